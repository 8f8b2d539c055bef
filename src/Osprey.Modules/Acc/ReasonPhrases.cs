namespace Osprey.Modules.Acc;

/// <summary>
/// The reason acc logs for a reply the server generated itself: the standard phrase of the status
/// (RFC 3261 §21 and later RFCs), not the one the script passed to <c>t_reply</c> — Kamailio 5.6 logs
/// <c>reason=Not Found</c> for <c>t_reply("404", "Not Here")</c>. Codes without a standard phrase in
/// Kamailio's table get their class name (observed: 202 → "Successful").
/// </summary>
internal static class ReasonPhrases
{
    public static string For(int status) => status switch
    {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        < 200 => "Provisional",
        < 300 => "Successful",
        < 400 => "Redirection",
        < 500 => "Request Failure",
        < 600 => "Server Failure",
        _ => "Global Failure",
    };
}
