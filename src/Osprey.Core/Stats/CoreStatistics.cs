namespace Osprey.Core.Stats;

/// <summary>
/// The <c>core</c> group with Kamailio 5.6's names (as its kex module registers them), so
/// <c>kamcmd stats.get_statistics core:</c> users find the same counters.
/// </summary>
public sealed class CoreStatistics
{
    public const string Group = "core";

    /// <summary>Methods with their own rcv_requests_* counter, in Kamailio's order.</summary>
    private static readonly string[] RequestMethods =
        ["invite", "cancel", "ack", "bye", "info", "register", "subscribe", "notify", "message", "options", "prack", "update", "refer", "publish"];

    /// <summary>Methods with per-class reply counters; REGISTER is abbreviated "reg" in these names.</summary>
    private static readonly string[] ReplyMethods = ["invite", "cancel", "bye", "reg", "message", "prack", "update", "refer"];

    private readonly StatCounter[] _requestsByMethod;
    private readonly StatCounter[] _repliesByClass; // index 0..5 = 1xx..6xx
    private readonly StatCounter[] _repliesByMethodClass; // method * 6 + class

    public CoreStatistics(StatsRegistry registry)
    {
        RcvRequests = registry.RegisterCounter(Group, "rcv_requests");
        RcvReplies = registry.RegisterCounter(Group, "rcv_replies");
        FwdRequests = registry.RegisterCounter(Group, "fwd_requests");
        FwdReplies = registry.RegisterCounter(Group, "fwd_replies");
        DropRequests = registry.RegisterCounter(Group, "drop_requests");
        DropReplies = registry.RegisterCounter(Group, "drop_replies");
        ErrRequests = registry.RegisterCounter(Group, "err_requests");
        ErrReplies = registry.RegisterCounter(Group, "err_replies");
        BadUrisReceived = registry.RegisterCounter(Group, "bad_URIs_rcvd");
        UnsupportedMethods = registry.RegisterCounter(Group, "unsupported_methods");
        BadMessageHeaders = registry.RegisterCounter(Group, "bad_msg_hdr");

        _requestsByMethod = new StatCounter[RequestMethods.Length];
        for (int i = 0; i < RequestMethods.Length; i++)
        {
            _requestsByMethod[i] = registry.RegisterCounter(Group, "rcv_requests_" + RequestMethods[i]);
        }

        _repliesByClass = new StatCounter[6];
        _repliesByClass[0] = registry.RegisterCounter(Group, "rcv_replies_1xx");
        Replies18x = registry.RegisterCounter(Group, "rcv_replies_18x");
        _repliesByClass[1] = registry.RegisterCounter(Group, "rcv_replies_2xx");
        _repliesByClass[2] = registry.RegisterCounter(Group, "rcv_replies_3xx");
        _repliesByClass[3] = registry.RegisterCounter(Group, "rcv_replies_4xx");
        Replies401 = registry.RegisterCounter(Group, "rcv_replies_401");
        Replies404 = registry.RegisterCounter(Group, "rcv_replies_404");
        Replies407 = registry.RegisterCounter(Group, "rcv_replies_407");
        Replies480 = registry.RegisterCounter(Group, "rcv_replies_480");
        Replies486 = registry.RegisterCounter(Group, "rcv_replies_486");
        _repliesByClass[4] = registry.RegisterCounter(Group, "rcv_replies_5xx");
        _repliesByClass[5] = registry.RegisterCounter(Group, "rcv_replies_6xx");

        _repliesByMethodClass = new StatCounter[ReplyMethods.Length * 6];
        for (int m = 0; m < ReplyMethods.Length; m++)
        {
            for (int c = 0; c < 6; c++)
            {
                _repliesByMethodClass[(m * 6) + c] = registry.RegisterCounter(Group, $"rcv_replies_{c + 1}xx_{ReplyMethods[m]}");
            }
        }
    }

    public StatCounter RcvRequests { get; }
    public StatCounter RcvReplies { get; }
    public StatCounter FwdRequests { get; }
    public StatCounter FwdReplies { get; }
    public StatCounter DropRequests { get; }
    public StatCounter DropReplies { get; }
    public StatCounter ErrRequests { get; }
    public StatCounter ErrReplies { get; }
    public StatCounter BadUrisReceived { get; }
    public StatCounter UnsupportedMethods { get; }
    public StatCounter BadMessageHeaders { get; }
    public StatCounter Replies18x { get; }
    public StatCounter Replies401 { get; }
    public StatCounter Replies404 { get; }
    public StatCounter Replies407 { get; }
    public StatCounter Replies480 { get; }
    public StatCounter Replies486 { get; }

    /// <summary>Counts a received request: rcv_requests and the method's own counter (method matched case-sensitively, RFC 3261 §7.1).</summary>
    public void CountRequest(ReadOnlySpan<byte> method)
    {
        RcvRequests.Increment();
        int i = RequestMethodIndex(method);
        if (i >= 0)
        {
            _requestsByMethod[i].Increment();
        }
    }

    /// <summary>Counts a received reply by status code and the CSeq method of the request it answers.</summary>
    public void CountReply(int statusCode, ReadOnlySpan<byte> cseqMethod)
    {
        RcvReplies.Increment();
        int cls = (statusCode / 100) - 1;
        if ((uint)cls > 5)
        {
            return;
        }

        _repliesByClass[cls].Increment();
        switch (statusCode)
        {
            case >= 180 and <= 189: Replies18x.Increment(); break;
            case 401: Replies401.Increment(); break;
            case 404: Replies404.Increment(); break;
            case 407: Replies407.Increment(); break;
            case 480: Replies480.Increment(); break;
            case 486: Replies486.Increment(); break;
        }

        int m = ReplyMethodIndex(cseqMethod);
        if (m >= 0)
        {
            _repliesByMethodClass[(m * 6) + cls].Increment();
        }
    }

    private static int RequestMethodIndex(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("ACK"u8) => 2,
        3 when method.SequenceEqual("BYE"u8) => 3,
        4 when method.SequenceEqual("INFO"u8) => 4,
        5 when method.SequenceEqual("PRACK"u8) => 10,
        5 when method.SequenceEqual("REFER"u8) => 12,
        6 when method.SequenceEqual("INVITE"u8) => 0,
        6 when method.SequenceEqual("CANCEL"u8) => 1,
        6 when method.SequenceEqual("NOTIFY"u8) => 7,
        6 when method.SequenceEqual("UPDATE"u8) => 11,
        7 when method.SequenceEqual("MESSAGE"u8) => 8,
        7 when method.SequenceEqual("OPTIONS"u8) => 9,
        7 when method.SequenceEqual("PUBLISH"u8) => 13,
        8 when method.SequenceEqual("REGISTER"u8) => 5,
        9 when method.SequenceEqual("SUBSCRIBE"u8) => 6,
        _ => -1,
    };

    private static int ReplyMethodIndex(ReadOnlySpan<byte> method) => RequestMethodIndex(method) switch
    {
        0 => 0,
        1 => 1,
        3 => 2,
        5 => 3,
        8 => 4,
        10 => 5,
        11 => 6,
        12 => 7,
        _ => -1,
    };
}
