using System.Buffers;
using System.Text;

namespace Osprey.Transport.Tests;

public class StreamFramerTests
{
    private const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1\r\n" +
        "Content-Length: 5\r\n" +
        "\r\n" +
        "hello";

    private const string Ok = "SIP/2.0 200 OK\r\nl: 0\r\n\r\n";

    /// <summary>Feeds chunks one by one, as a connection would, keeping unconsumed bytes as separate segments.</summary>
    private sealed class Driver(int maxMessage = 65536, int maxGarbage = 32768)
    {
        private readonly StreamFramer _framer = new(maxMessage, maxGarbage);
        private readonly List<byte[]> _pending = [];

        public List<string> Messages { get; } = [];
        public List<InboundFlags> Flags { get; } = [];
        public int Pings { get; private set; }
        public FrameError Error { get; private set; }

        public bool Feed(string chunk) => Feed(Encoding.ASCII.GetBytes(chunk));

        public bool Feed(byte[] chunk)
        {
            if (chunk.Length > 0)
                _pending.Add(chunk);
            var buffer = Segments.Build(_pending);
            while (true)
            {
                var s = _framer.Next(buffer, out long consumed, out var flags, out var error);
                switch (s)
                {
                    case FrameStatus.NeedMore:
                        Keep(buffer);
                        return true;
                    case FrameStatus.Error:
                        Error = error;
                        return false;
                    case FrameStatus.Message:
                        Messages.Add(Encoding.ASCII.GetString(buffer.Slice(0, consumed).ToArray()));
                        Flags.Add(flags);
                        break;
                    case FrameStatus.Ping:
                        Pings++;
                        break;
                }
                buffer = buffer.Slice(consumed);
            }
        }

        private void Keep(ReadOnlySequence<byte> rest)
        {
            // Keep the remainder as its original segments so multi-segment paths stay exercised.
            var kept = new List<byte[]>();
            foreach (var m in rest)
                kept.Add(m.ToArray());
            _pending.Clear();
            _pending.AddRange(kept);
        }
    }

    [Fact]
    public void Two_messages_in_one_segment()
    {
        var d = new Driver();
        Assert.True(d.Feed(Invite + Ok));
        Assert.Equal([Invite, Ok], d.Messages);
        Assert.Equal([InboundFlags.None, InboundFlags.None], d.Flags);
    }

    [Fact]
    public void Message_split_byte_by_byte()
    {
        var d = new Driver();
        foreach (char c in Invite + Ok)
            Assert.True(d.Feed(c.ToString()));
        Assert.Equal([Invite, Ok], d.Messages);
    }

    [Fact]
    public void Body_split_across_segments()
    {
        var d = new Driver();
        int headerEnd = Invite.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.True(d.Feed(Invite[..(headerEnd + 2)]));
        Assert.Empty(d.Messages);
        Assert.True(d.Feed(Invite[(headerEnd + 2)..]));
        Assert.Equal([Invite], d.Messages);
    }

    [Fact]
    public void Every_split_point_frames_the_same()
    {
        string all = Invite + "\r\n" + Ok + Invite;
        for (int cut = 1; cut < all.Length; cut++)
        {
            var d = new Driver();
            Assert.True(d.Feed(all[..cut]));
            Assert.True(d.Feed(all[cut..]));
            Assert.Equal([Invite, Ok, Invite], d.Messages);
        }
    }

    [Theory]
    [InlineData("l: 5")]
    [InlineData("L:5")]
    [InlineData("content-length   :   5  ")]
    [InlineData("CONTENT-LENGTH:\t5")]
    [InlineData("Content-Length:\r\n  5")]
    public void Content_length_forms(string header)
    {
        string msg = "MESSAGE sip:a@b SIP/2.0\r\nVia: x\r\n" + header + "\r\nX: y\r\n\r\nhello";
        var d = new Driver();
        Assert.True(d.Feed(msg + Ok));
        Assert.Equal([msg, Ok], d.Messages);
    }

    [Fact]
    public void Header_named_like_l_prefix_is_not_content_length()
    {
        string msg = "OPTIONS sip:a@b SIP/2.0\r\nLocation: 99\r\nl: 0\r\n\r\n";
        var d = new Driver();
        Assert.True(d.Feed(msg));
        Assert.Equal([msg], d.Messages);
    }

    [Fact]
    public void Missing_content_length_is_flagged_and_body_is_empty()
    {
        string msg = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
        var d = new Driver();
        Assert.True(d.Feed(msg + Ok));
        Assert.Equal([msg, Ok], d.Messages);
        Assert.Equal([InboundFlags.MissingContentLength, InboundFlags.None], d.Flags);
    }

    [Fact]
    public void Keepalive_ping_between_messages()
    {
        var d = new Driver();
        Assert.True(d.Feed("\r\n\r\n" + Ok + "\r\n\r\n"));
        Assert.Equal(2, d.Pings);
        Assert.Equal([Ok], d.Messages);
    }

    [Fact]
    public void Ping_split_in_two_is_still_a_ping()
    {
        var d = new Driver();
        Assert.True(d.Feed("\r\n"));
        Assert.Equal(0, d.Pings);
        Assert.True(d.Feed("\r\n"));
        Assert.Equal(1, d.Pings);
    }

    [Fact]
    public void Single_crlf_before_message_is_skipped()
    {
        var d = new Driver();
        Assert.True(d.Feed("\r\n" + Ok));
        Assert.Equal(0, d.Pings);
        Assert.Equal([Ok], d.Messages);
    }

    [Theory]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: 12abc")]
    [InlineData("Content-Length: ")]
    [InlineData("Content-Length: -1")]
    public void Non_numeric_content_length_is_an_error(string header)
    {
        var d = new Driver();
        Assert.False(d.Feed("INVITE sip:a@b SIP/2.0\r\n" + header + "\r\n\r\n"));
        Assert.Equal(FrameError.BadContentLength, d.Error);
    }

    [Fact]
    public void Conflicting_content_lengths_are_an_error()
    {
        var d = new Driver();
        Assert.False(d.Feed("INVITE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab"));
        Assert.Equal(FrameError.BadContentLength, d.Error);
    }

    [Fact]
    public void Body_beyond_max_size_is_an_error()
    {
        var d = new Driver(maxMessage: 1000);
        Assert.False(d.Feed("INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n"));
        Assert.Equal(FrameError.MessageTooLarge, d.Error);
    }

    [Fact]
    public void Headers_that_never_end_are_an_error()
    {
        var d = new Driver(maxMessage: 1000);
        Assert.True(d.Feed("INVITE sip:a@b SIP/2.0\r\n"));
        bool ok = true;
        for (int i = 0; i < 100 && ok; i++)
            ok = d.Feed("X-Filler: 0123456789\r\n");
        Assert.False(ok);
        Assert.Equal(FrameError.HeadersTooLarge, d.Error);
    }

    [Fact]
    public void Garbage_without_newline_is_an_error_after_the_limit()
    {
        var d = new Driver(maxMessage: 65536, maxGarbage: 4096);
        var junk = new byte[1000];
        Array.Fill(junk, (byte)'x');
        bool ok = true;
        int fed = 0;
        while (ok && fed < 10000)
        {
            ok = d.Feed(junk);
            fed += junk.Length;
        }
        Assert.False(ok);
        Assert.True(fed <= 5000);
        Assert.Equal(FrameError.NoStartLine, d.Error);
    }

    [Fact]
    public void Garbage_lines_are_skipped_within_budget_then_an_error()
    {
        var d = new Driver(maxGarbage: 100);
        Assert.True(d.Feed("hello there\r\n" + Ok));
        Assert.Equal([Ok], d.Messages);
        bool ok = true;
        for (int i = 0; i < 20 && ok; i++)
            ok = d.Feed("GET / HTTP/1.1\r\n");
        Assert.False(ok);
        Assert.Equal(FrameError.NoStartLine, d.Error);
    }

    [Theory]
    [InlineData("INVITE sip:a@b SIP/2.0\r\n", true)]
    [InlineData("X-CUSTOM.method sip:a SIP/2.0\n", true)]
    [InlineData("SIP/2.0 180 Ringing\r\n", true)]
    [InlineData("SIP/2.0 200\r\n", true)]
    [InlineData("sip/2.0 200 OK\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\n", false)]
    [InlineData("SIP/2.0 20 OK\r\n", false)]
    [InlineData("INVITE  SIP/2.0\r\n", false)]
    [InlineData(" INVITE sip:a SIP/2.0\r\n", false)]
    [InlineData("IN(VITE sip:a SIP/2.0\r\n", false)]
    [InlineData("\r\n", false)]
    public void Start_line_plausibility(string line, bool expected)
    {
        Assert.Equal(expected, StreamFramer.IsPlausibleStartLine(Encoding.ASCII.GetBytes(line)));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(1234);
        for (int round = 0; round < 300; round++)
        {
            var d = new Driver(maxMessage: 2048, maxGarbage: 512);
            bool ok = true;
            for (int i = 0; i < 20 && ok; i++)
            {
                var chunk = new byte[rng.Next(1, 200)];
                rng.NextBytes(chunk);
                // Sprinkle SIP-ish bytes so more paths are reached.
                if (rng.Next(3) == 0)
                    ok = d.Feed(Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? Ok : "\r\n"));
                ok = ok && d.Feed(chunk);
            }
        }
    }
}

/// <summary>Builds a multi-segment ReadOnlySequence from chunks.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Build(List<byte[]> chunks)
    {
        if (chunks.Count == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new Segments(chunks[0], 0);
        var last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            var next = new Segments(chunks[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
