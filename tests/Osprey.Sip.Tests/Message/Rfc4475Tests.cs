using System.Text;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Tests.Message;

/// <summary>
/// Every RFC 4475 torture message, with the outcome Osprey gives it. "ok" means it parses and validates;
/// a number is the status a server answers the request with; "drop" means the message (a reply) is
/// discarded silently. Where the RFC allows either rejecting or tolerating, the choice is noted.
/// </summary>
public class Rfc4475Tests
{
    public static readonly Dictionary<string, string> Expected = new()
    {
        ["wsinv"] = "ok", ["intmeth"] = "ok", ["esc01"] = "ok", ["escnull"] = "ok", ["esc02"] = "ok",
        ["lwsdisp"] = "ok", ["longreq"] = "ok", ["dblreq"] = "ok", ["semiuri"] = "ok", ["transports"] = "ok",
        ["mpart01"] = "ok", ["unreason"] = "ok", ["noreason"] = "ok",
        ["badinv01"] = "400", ["clerr"] = "400", ["ncl"] = "400", ["scalar02"] = "400", ["scalarlg"] = "drop",
        ["quotbal"] = "400", ["ltgtruri"] = "400", ["lwsruri"] = "400", ["lwsstart"] = "400",
        ["trws"] = "ok",       // tolerated: trailing SP after SIP/2.0
        ["escruri"] = "400",   // rejected: headers in a Request-URI
        ["baddate"] = "ok",    // Date does not matter to a proxy
        ["regbadct"] = "ok",   // liberal: the Contact addr-spec keeps its escaped header
        ["badaspec"] = "ok",   // liberal: spaces inside <> ignored
        ["baddn"] = "ok",      // liberal: unquoted display name accepted, never re-emitted
        ["badvers"] = "505", ["mismatch01"] = "400", ["mismatch02"] = "400", ["bigcode"] = "drop",
        ["badbranch"] = "ok",  // parses; the bare cookie is not treated as an RFC 3261 branch
        ["insuf"] = "400", ["unkscm"] = "ok", ["novelsc"] = "ok", ["unksm2"] = "ok", ["bext01"] = "ok",
        ["invut"] = "ok", ["regaut01"] = "ok", ["multi01"] = "400", ["mcl01"] = "400", ["bcast"] = "ok",
        ["zeromf"] = "ok", ["cparam01"] = "ok", ["cparam02"] = "ok", ["regescrt"] = "ok", ["sdp01"] = "ok",
        ["inv2543"] = "ok", ["test"] = "400",
    };

    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var row in TestVectors.Manifest("rfc4475")) d.Add(row.Name);
        return d;
    }

    internal static string Outcome(byte[] bytes)
    {
        var m = SipMessage.ParseAndValidate(bytes, Framing.Datagram, out var err);
        if (m is null) return "drop";
        if (!err.IsError) return "ok";
        return m.IsRequest ? err.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "drop";
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_vector_gets_the_chosen_outcome(string name)
    {
        Assert.True(Expected.ContainsKey(name), "no expectation recorded for " + name);
        Assert.Equal(Expected[name], Outcome(TestVectors.Load("rfc4475", name)));
    }

    [Fact]
    public void Valid_vectors_per_manifest_are_never_rejected()
    {
        foreach (var (name, category, _) in TestVectors.Manifest("rfc4475"))
        {
            if (category == "valid") Assert.Equal("ok", Outcome(TestVectors.Load("rfc4475", name)));
        }
    }

    private static SipMessage Ok(string name)
    {
        var m = SipMessage.ParseAndValidate(TestVectors.Load("rfc4475", name), Framing.Datagram, out var err);
        Assert.NotNull(m);
        Assert.False(err.IsError, err.ToString());
        return m!;
    }

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Wsinv_folded_cseq_and_compact_names()
    {
        var m = Ok("wsinv");
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal(9u, m.CSeq.Number);           // "0009" folded onto the next line before INVITE
        Assert.Equal(SipMethod.Invite, m.CSeq.Method);
        Assert.Equal(68, m.MaxForwards);           // leading zeros
        Assert.Equal(3, m.ViaCount);
        Assert.True(m.TryGetVia(1, out var folded));
        Assert.Equal("z9hG4bK9ikj8", S(folded.Branch));
        Assert.Equal("spindle.example.com", S(folded.Host));
        Assert.Equal("wsinv.ndaksdj@192.0.2.1", S(m.CallId));
        Assert.Equal("sip:vivekg@chair-dnrc.example.com", S(m.To.UriText));
        Assert.Equal("1918181833n", S(m.To.Tag));
        Assert.True(m.To.TryGetParam("tag"u8, out _));
        Assert.Equal("\"J Rosenberg \\\\\\\"\"", S(m.From.DisplayName));
        Assert.Equal("98asjd8", S(m.From.Tag));
        Assert.Equal(150, m.ContentLength);
        Assert.Equal(150, m.Body.Length);
        int unknown = m.IndexOf("NewFangledHeader"u8);
        Assert.True(unknown >= 0);
        Assert.Equal("newfangled value continued newfangled value", m.ValueString(unknown));
    }

    [Fact]
    public void Intmeth_keeps_the_unusual_method_and_header_names()
    {
        var m = Ok("intmeth");
        Assert.Equal(SipMethod.Other, m.Method);
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", S(m.MethodText));
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", S(m.CSeq.MethodRange.Of(m.Span)));
        Assert.True(m.IndexOf("extensionHeader-!.%*+_`'~"u8) >= 0);
        Assert.Equal("z9hG4bK-.!%66*_+`'~", S(m.TopVia.Branch));
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", S(m.RequestUri.User));
        Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", S(m.RequestUri.Password));
    }

    [Fact]
    public void Esc01_escaped_user_compares_equal_to_unescaped()
    {
        var m = Ok("esc01");
        Assert.Equal("sips%3Auser%40example.com", S(m.RequestUri.User));
        Assert.True(SipUri.TryParse("sip:sips%3auser%40example.com@example.net", out var same));
        Assert.True(SipUri.Equivalent(m.RequestUri, same));
    }

    [Fact]
    public void Escnull_keeps_two_distinct_contacts()
    {
        var m = Ok("escnull");
        Span<NameAddr> c = new NameAddr[4];
        int n = m.ParseAddresses(HeaderId.Contact, c, out var bad);
        Assert.False(bad);
        Assert.Equal(2, n);
        Assert.False(SipUri.Equivalent(c[0].Uri, c[1].Uri));
        Assert.Contains("%00", S(c[0].Uri.User), StringComparison.Ordinal);
    }

    [Fact]
    public void Esc02_percent_is_literal_in_method_and_header_name()
    {
        var m = Ok("esc02");
        Assert.Equal("RE%47IST%45R", S(m.MethodText));
        Assert.Equal(SipMethod.Other, m.Method);
        int odd = m.IndexOf("C%6Fntact"u8);
        Assert.True(odd >= 0);
        Assert.Equal(HeaderId.Other, m.Header(odd).Id);
    }

    [Fact]
    public void Lwsdisp_display_name_without_space()
    {
        var m = Ok("lwsdisp");
        Assert.Equal("caller", S(m.From.DisplayName));
        Assert.Equal("sip:caller@example.com", S(m.From.UriText));
    }

    [Fact]
    public void Longreq_long_values_and_many_vias()
    {
        var m = Ok("longreq");
        Assert.True(m.ViaCount >= 30);
        Assert.Equal(155, m.From.Tag.Length);
        Assert.False(m.To.HasTag);
        Assert.Equal(SipMethod.Invite, m.Method);
        Assert.Equal(6000, m.To.Uri.Port);
        Assert.True(m.To.Uri.TryGetParam("unknownparam1"u8, out var longValue));
        Assert.StartsWith("verylonglong", S(longValue), StringComparison.Ordinal);
        Assert.True(m.To.Uri.HasParam("verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongParameterNameWithNoValue"u8));
    }

    [Fact]
    public void Dblreq_ignores_octets_after_content_length()
    {
        var m = Ok("dblreq");
        Assert.Equal(SipMethod.Register, m.Method);
        Assert.Equal(0, m.BodyLength);
        Assert.True(m.Length < m.Buffer.Length);
    }

    [Fact]
    public void Semiuri_user_part_holds_the_semicolon()
    {
        var m = Ok("semiuri");
        Assert.Equal("user;par=u%40example.net", S(m.RequestUri.User));
        Assert.Equal("example.com", S(m.RequestUri.Host));
        Assert.True(m.RequestUri.Parameters.IsEmpty);
    }

    [Fact]
    public void Transports_accepts_unknown_via_transports()
    {
        var m = Ok("transports");
        Assert.Equal(5, m.ViaCount);
        Assert.True(m.TryGetVia(3, out var v));
        Assert.Equal("UNKNOWN", S(v.Transport));
    }

    [Fact]
    public void Mpart01_frames_binary_body_by_content_length()
    {
        var m = Ok("mpart01");
        Assert.Equal(553, m.BodyLength);
    }

    [Fact]
    public void Unreason_and_noreason_replies()
    {
        var u = Ok("unreason");
        Assert.Equal(200, u.StatusCode);
        Assert.StartsWith("= 2**3 * 5**2", S(u.Reason), StringComparison.Ordinal);
        var n = Ok("noreason");
        Assert.Equal(100, n.StatusCode);
        Assert.True(n.Reason.IsEmpty);
    }

    [Fact]
    public void Cparam_unknownparam_is_header_param_in_addr_spec_and_uri_param_in_name_addr()
    {
        var one = Ok("cparam01");
        Span<NameAddr> c = new NameAddr[2];
        Assert.Equal(1, one.ParseAddresses(HeaderId.Contact, c, out _));
        Assert.False(c[0].Uri.HasParam("unknownparam"u8));
        Assert.True(c[0].TryGetParam("unknownparam"u8, out _));
        var two = Ok("cparam02");
        Assert.Equal(1, two.ParseAddresses(HeaderId.Contact, c, out _));
        Assert.True(c[0].Uri.HasParam("unknownparam"u8));
    }

    [Fact]
    public void Regescrt_escaped_route_stays_in_the_contact_uri()
    {
        var m = Ok("regescrt");
        Span<NameAddr> c = new NameAddr[2];
        Assert.Equal(1, m.ParseAddresses(HeaderId.Contact, c, out _));
        Assert.Contains("Route=", S(c[0].Uri.Headers), StringComparison.Ordinal);
    }

    [Fact]
    public void Inv2543_body_is_rest_of_datagram_without_content_length()
    {
        var m = Ok("inv2543");
        Assert.Equal(-1, m.ContentLength);
        Assert.True(m.BodyLength > 0);
        Assert.False(m.TopVia.HasBranch);
        Assert.False(m.From.HasTag);
        Assert.Equal(-1, m.MaxForwards);
    }

    [Fact]
    public void Badbranch_bare_cookie_is_not_an_rfc3261_branch()
    {
        var m = Ok("badbranch");
        Assert.False(m.TopVia.HasMagicCookie);
    }

    [Fact]
    public void Zeromf_max_forwards_zero_parses()
    {
        Assert.Equal(0, Ok("zeromf").MaxForwards);
    }

    [Fact]
    public void Unkscm_keeps_an_opaque_request_uri()
    {
        var m = Ok("unkscm");
        Assert.Equal(UriScheme.Other, m.RequestUri.Scheme);
    }

    [Theory]
    [InlineData("badvers", "Version Not Supported")]
    [InlineData("mismatch01", "CSeq method does not match request method")]
    [InlineData("scalar02", "CSeq number is illegal")]
    [InlineData("multi01", "Duplicate")]
    [InlineData("insuf", "Missing")]
    [InlineData("lwsruri", "Request-URI")]
    [InlineData("ltgtruri", "Request-URI")]
    [InlineData("mcl01", "Content-Length")]
    [InlineData("clerr", "Content-Length")]
    public void Rejections_say_why(string name, string reasonPart)
    {
        SipMessage.ParseAndValidate(TestVectors.Load("rfc4475", name), Framing.Datagram, out var err);
        Assert.Contains(reasonPart, err.Reason, StringComparison.Ordinal);
    }
}
