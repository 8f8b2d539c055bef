using System.Text;
using Osprey.Sip.Sdp;

namespace Osprey.Sip.Tests.Sdp;

public class SdpSessionTests
{
    private static SdpSession Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    private static SdpSession Parse(byte[] body)
    {
        Assert.True(SdpSession.TryParse(body, out var session, out var error), error.ToString());
        return session!;
    }

    private static string Text(SdpSession s) => Encoding.UTF8.GetString(s.ToArray());

    [Fact]
    public void Unmodified_body_round_trips_byte_for_byte()
    {
        var body = TestMessages.Body("rfc4475/sdp01.dat");
        var session = Parse(body);
        Assert.Equal(body.Length, session.GetLength());
        Assert.True(session.TryWrite(new byte[body.Length], out int written));
        Assert.Equal(body.Length, written);
        Assert.False(session.TryWrite(new byte[body.Length - 1], out _));
        Assert.Equal(body, session.ToArray());
    }

    [Fact]
    public void Sdp01_media_and_rtpmap()
    {
        var s = Parse(TestMessages.Body("rfc4475/sdp01.dat"));
        Assert.Equal(2, s.Media.Count);
        Assert.True(s.TryGetOrigin(out var o));
        Assert.Equal("mhandley"u8, o.Username);
        Assert.Equal(SdpAddressType.IP4, o.AddressType);
        Assert.Equal("-"u8, s.SessionName);

        var audio = s.Media[0];
        Assert.Equal("audio"u8, audio.MediaType);
        Assert.Equal(49217, audio.Port);
        Assert.Equal(1, audio.PortCount);
        Assert.Equal("RTP/AVP"u8, audio.Proto);
        var formats = new List<string>();
        foreach (var f in audio.Formats)
        {
            formats.Add(Encoding.ASCII.GetString(f));
        }

        Assert.Equal(["0", "12"], formats);
        Assert.True(audio.TryGetConnection(out var c));
        Assert.Equal("192.0.2.5"u8, c.Address);
        Assert.False(audio.TryGetOwnConnection(out _));

        var video = s.Media[1];
        Assert.Equal(3227, video.Port);
        Assert.True(video.TryGetRtpMap(31, out var map));
        Assert.Equal("LPC"u8, map.EncodingName);
        Assert.False(video.TryGetRtpMap(32, out _));
    }

    [Fact]
    public void Ipv6_and_per_media_connections()
    {
        var s = Parse(TestMessages.Body("rfc5118/mult-ip-in-sdp.dat"));
        Assert.False(s.TryGetOwnConnection(out _));
        Assert.True(s.Media[0].TryGetConnection(out var c0));
        Assert.Equal(SdpAddressType.IP4, c0.AddressType);
        Assert.Equal("192.0.2.1"u8, c0.Address);
        Assert.True(s.Media[1].TryGetConnection(out var c1));
        Assert.Equal(SdpAddressType.IP6, c1.AddressType);
        Assert.Equal("2001:db8::1"u8, c1.Address);
        Assert.True(s.Media[1].TryGetRtpMap(107, out var map));
        Assert.Equal("H263-1998"u8, map.EncodingName);
        Assert.Equal(90000, map.ClockRate);
    }

    [Fact]
    public void Lf_only_body_keeps_lf_for_added_lines()
    {
        var body = TestMessages.Body("rfc5118/ipv6-in-sdp.dat");
        var s = Parse(body);
        s.Media[0].AddAttribute("ptime", "20");
        var text = Text(s);
        Assert.DoesNotContain("\r", text);
        Assert.Contains("a=rtpmap:2 G726-32/8000\na=ptime:20\nm=video", text);
        Assert.True(s.Media[0].TryGetPtime(out int ptime));
        Assert.Equal(20, ptime);
    }

    [Fact]
    public void Rewrites_connection_port_and_origin()
    {
        var s = Parse(TestMessages.Body("rfc4475/sdp01.dat"));
        s.SetAllConnections(SdpAddressType.IP6, "2001:db8::99");
        s.Media[1].SetPort(40000);
        Assert.True(s.SetOriginAddress(SdpAddressType.IP6, "2001:db8::99"u8));
        Assert.Equal(
            "v=0\r\no=mhandley 29739 7272939 IN IP6 2001:db8::99\r\ns=-\r\nc=IN IP6 2001:db8::99\r\nt=0 0\r\n"
            + "m=audio 49217 RTP/AVP 0 12\r\nm=video 40000 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n",
            Text(s));
        Assert.Equal(s.ToArray().Length, s.GetLength());
        Assert.Equal(40000, s.Media[1].Port);
        Assert.Equal("RTP/AVP"u8, s.Media[1].Proto);
    }

    [Fact]
    public void Media_connection_inserted_after_m_and_i_lines()
    {
        var s = Parse("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 1000 RTP/AVP 0\r\ni=voice\r\na=sendrecv\r\n");
        s.Media[0].SetConnection(SdpAddressType.IP4, "203.0.113.7");
        s.SetConnection(SdpAddressType.IP4, "203.0.113.8");
        Assert.Equal(
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 203.0.113.8\r\nt=0 0\r\nm=audio 1000 RTP/AVP 0\r\ni=voice\r\nc=IN IP4 203.0.113.7\r\na=sendrecv\r\n",
            Text(s));
    }

    [Fact]
    public void Port_count_is_kept()
    {
        var s = Parse("v=0\r\ns=-\r\nm=video 49170/2 RTP/AVP 31\r\n");
        Assert.Equal(2, s.Media[0].PortCount);
        s.Media[0].SetPort(5000);
        Assert.Equal("v=0\r\ns=-\r\nm=video 5000/2 RTP/AVP 31\r\n", Text(s));
    }

    [Fact]
    public void Direction_falls_back_to_session_and_can_be_set()
    {
        var s = Parse("v=0\r\ns=-\r\na=recvonly\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\na=inactive\r\na=rtcp:53020\r\nm=audio 3 RTP/AVP 0\r\n");
        Assert.Equal(SdpDirection.RecvOnly, s.Media[0].Direction);
        Assert.Equal(SdpDirection.Inactive, s.Media[1].Direction);
        s.SetDirection(SdpDirection.None);
        Assert.Equal(SdpDirection.SendRecv, s.Media[2].Direction);
        s.Media[1].SetDirection(SdpDirection.SendOnly);
        Assert.Equal(SdpDirection.SendOnly, s.Media[1].Direction);
        Assert.Equal("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\na=sendonly\r\na=rtcp:53020\r\nm=audio 3 RTP/AVP 0\r\n", Text(s));
    }

    [Fact]
    public void Attributes_add_remove_replace()
    {
        var s = Parse("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=x-a:1\r\na=x-a:2\r\n");
        var m = s.Media[0];
        Assert.True(m.TryGetFmtp("101"u8, out var fmtp));
        Assert.Equal("0-15"u8, fmtp);
        Assert.Equal(2, m.RemoveAttributes("x-a"));
        Assert.False(m.ReplaceAttribute("rtcp", "9"));
        Assert.True(m.ReplaceAttribute("fmtp", "101 0-16"));
        m.AddAttribute("ice-lite");
        Assert.True(m.HasAttribute("ice-lite"u8));
        Assert.True(m.TryGetRtcp(out var rtcp));
        Assert.Equal(9, rtcp.Port);
        Assert.Equal("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=rtcp:9\r\na=ice-lite\r\n", Text(s));
    }

    [Fact]
    public void Candidates_and_rtcp_with_address()
    {
        var s = Parse("v=0\r\ns=-\r\nm=audio 5000 UDP/TLS/RTP/SAVPF 111\r\n"
            + "a=rtcp:5001 IN IP6 2001:db8::5\r\n"
            + "a=candidate:1 1 UDP 2130706431 192.0.2.10 5000 typ host\r\n"
            + "a=candidate:bad\r\n"
            + "a=candidate:2 1 UDP 1694498815 198.51.100.3 61000 typ srflx raddr 192.0.2.10 rport 5000 generation 0\r\n");
        var m = s.Media[0];
        Assert.True(m.TryGetRtcp(out var rtcp));
        Assert.Equal(5001, rtcp.Port);
        Assert.Equal(SdpAddressType.IP6, rtcp.AddressType);
        Assert.Equal("2001:db8::5"u8, rtcp.Address);
        int n = 0;
        foreach (var c in m.Candidates)
        {
            n++;
            if (n == 2)
            {
                Assert.Equal("srflx"u8, c.CandidateType);
                Assert.Equal("192.0.2.10"u8, c.RelatedAddress);
                Assert.Equal(5000, c.RelatedPort);
                Assert.Equal(61000, c.Port);
                Assert.Equal(1694498815L, c.Priority);
                Assert.Equal("generation 0"u8, c.Extensions);
            }
            else
            {
                Assert.Equal("host"u8, c.CandidateType);
                Assert.Equal(-1, c.RelatedPort);
            }
        }

        Assert.Equal(2, n);
    }

    [Fact]
    public void Last_line_without_line_end_and_trailing_blank_lines()
    {
        var s = Parse("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0");
        Assert.Equal("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0", Text(s));
        s.Media[0].AddAttribute("sendonly");
        Assert.Equal("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\n", Text(s));
        Assert.Equal(s.ToArray().Length, s.GetLength());

        var t = Parse("v=0\r\ns=-\r\n\r\n\r\n");
        Assert.Equal("v=0\r\ns=-\r\n\r\n\r\n", Text(t));
    }

    [Fact]
    public void Session_lines_kept_in_order()
    {
        var s = Parse("v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\ni=info\r\nu=http://a\r\ne=a@b\r\np=+1\r\nc=IN IP4 224.2.1.1/127\r\nb=AS:64\r\nt=0 0\r\nr=7d 1h 0 25h\r\nz=0 0\r\nk=prompt\r\na=tool:x\r\n");
        var types = new StringBuilder();
        foreach (var line in s.Lines)
        {
            types.Append(line.Type);
        }

        Assert.Equal("vosiuepcbtrzka", types.ToString());
        Assert.True(s.TryGetOwnConnection(out var c));
        Assert.Equal("224.2.1.1"u8, c.Address);
        Assert.Equal("/127"u8, c.MulticastSuffix);
        Assert.True(s.TryGetBandwidth("AS"u8, out long bw));
        Assert.Equal(64, bw);
        Assert.True(s.TryGetAttribute("tool"u8, out var tool));
        Assert.Equal("x"u8, tool);
    }

    [Theory]
    [InlineData("", SdpErrorCode.Empty)]
    [InlineData("o=- 1 1 IN IP4 h\r\n", SdpErrorCode.MissingVersion)]
    [InlineData("v=1\r\n", SdpErrorCode.UnsupportedVersion)]
    [InlineData("v=0\r\nthis is not sdp\r\n", SdpErrorCode.MalformedLine)]
    [InlineData("v=0\r\nm=audio\r\n", SdpErrorCode.MalformedMediaLine)]
    [InlineData("v=0\r\nm=audio x RTP/AVP 0\r\n", SdpErrorCode.MalformedMediaLine)]
    [InlineData("v=0\r\nm=audio 70000 RTP/AVP 0\r\n", SdpErrorCode.MalformedMediaLine)]
    [InlineData("\r\nv=0\r\n", SdpErrorCode.MissingVersion)]
    public void Malformed_bodies_are_errors(string text, SdpErrorCode code)
    {
        Assert.False(SdpSession.TryParse(Encoding.UTF8.GetBytes(text), out var s, out var error));
        Assert.Null(s);
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrEmpty(error.Reason));
    }
}

/// <summary>Every SDP body in the RFC 4475/5118 corpora (bodies that start with v=0).</summary>
public class SdpCorpusTests
{
    [Theory]
    [InlineData("rfc4475/baddate.dat")]
    [InlineData("rfc4475/badinv01.dat")]
    [InlineData("rfc4475/bcast.dat")]
    [InlineData("rfc4475/clerr.dat")]
    [InlineData("rfc4475/esc01.dat")]
    [InlineData("rfc4475/escruri.dat")]
    [InlineData("rfc4475/insuf.dat")]
    [InlineData("rfc4475/inv2543.dat")]
    [InlineData("rfc4475/longreq.dat")]
    [InlineData("rfc4475/ltgtruri.dat")]
    [InlineData("rfc4475/lwsruri.dat")]
    [InlineData("rfc4475/lwsstart.dat")]
    [InlineData("rfc4475/mismatch02.dat")]
    [InlineData("rfc4475/multi01.dat")]
    [InlineData("rfc4475/ncl.dat")]
    [InlineData("rfc4475/quotbal.dat")]
    [InlineData("rfc4475/sdp01.dat")]
    [InlineData("rfc4475/unreason.dat")]
    [InlineData("rfc4475/wsinv.dat")]
    [InlineData("rfc5118/ipv4-mapped-ipv6.dat")]
    [InlineData("rfc5118/ipv6-in-sdp.dat")]
    [InlineData("rfc5118/mult-ip-in-sdp.dat")]
    public void Sdp_body_parses_and_round_trips(string file)
    {
        var body = TestMessages.Body(file);
        Assert.True(SdpSession.TryParse(body, out var s, out var error), error.ToString());
        Assert.Equal(body, s!.ToArray());
    }

    [Theory]
    [InlineData("rfc4475/test.dat", SdpErrorCode.MalformedLine)]
    [InlineData("rfc4475/dblreq.dat", SdpErrorCode.MissingVersion)]
    public void Non_sdp_bodies_labelled_sdp_are_rejected(string file, SdpErrorCode code)
    {
        Assert.False(SdpSession.TryParse(TestMessages.Body(file), out _, out var error));
        Assert.Equal(code, error.Code);
    }
}
