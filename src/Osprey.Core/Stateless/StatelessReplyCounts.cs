namespace Osprey.Core.Stateless;

/// <summary>Where a stateless reply is counted (the sl module's statistics, Kamailio's names).</summary>
public enum SlReplyBucket
{
    /// <summary>sent_replies: every reply sent.</summary>
    Sent,

    /// <summary>failures: replies that could not be sent (no usable Via, an ACK, no destination, a send error).</summary>
    Failures,
    Replies1xx,
    Replies200,
    Replies202,
    Replies2xx,
    Replies300,
    Replies301,
    Replies302,
    Replies3xx,
    Replies400,
    Replies401,
    Replies403,
    Replies404,
    Replies407,
    Replies408,
    Replies483,
    Replies4xx,
    Replies500,
    Replies5xx,
    Replies6xx,

    /// <summary>xxx_replies: a code outside 100..699.</summary>
    RepliesXxx,
}

/// <summary>
/// Counts the replies <see cref="StatelessReplier"/> sends for the script and the modules (what Kamailio's
/// sl counts). A code with a bucket of its own (200, 202, 300, 301, 302, 400, 401, 403, 404, 407, 408, 483,
/// 500) is counted there and not also in its class, as Kamailio 5.6 counts them: a 404 moves
/// <c>404_replies</c> and <c>sent_replies</c>, not <c>4xx_replies</c>. One interlocked increment per bucket
/// touched; reads allocate nothing.
/// </summary>
public sealed class StatelessReplyCounts
{
    private readonly long[] _counts = new long[(int)SlReplyBucket.RepliesXxx + 1];

    /// <summary>The bucket of a status code.</summary>
    public static SlReplyBucket BucketOf(int status) => status switch
    {
        200 => SlReplyBucket.Replies200,
        202 => SlReplyBucket.Replies202,
        300 => SlReplyBucket.Replies300,
        301 => SlReplyBucket.Replies301,
        302 => SlReplyBucket.Replies302,
        400 => SlReplyBucket.Replies400,
        401 => SlReplyBucket.Replies401,
        403 => SlReplyBucket.Replies403,
        404 => SlReplyBucket.Replies404,
        407 => SlReplyBucket.Replies407,
        408 => SlReplyBucket.Replies408,
        483 => SlReplyBucket.Replies483,
        500 => SlReplyBucket.Replies500,
        >= 100 and < 200 => SlReplyBucket.Replies1xx,
        >= 200 and < 300 => SlReplyBucket.Replies2xx,
        >= 300 and < 400 => SlReplyBucket.Replies3xx,
        >= 400 and < 500 => SlReplyBucket.Replies4xx,
        >= 500 and < 600 => SlReplyBucket.Replies5xx,
        >= 600 and < 700 => SlReplyBucket.Replies6xx,
        _ => SlReplyBucket.RepliesXxx,
    };

    /// <summary>A reply with <paramref name="status"/> went out.</summary>
    public void CountSent(int status)
    {
        Interlocked.Increment(ref _counts[(int)SlReplyBucket.Sent]);
        Interlocked.Increment(ref _counts[(int)BucketOf(status)]);
    }

    /// <summary>A reply could not be sent.</summary>
    public void CountFailure() => Interlocked.Increment(ref _counts[(int)SlReplyBucket.Failures]);

    public long Read(SlReplyBucket bucket) => Interlocked.Read(ref _counts[(int)bucket]);
}
