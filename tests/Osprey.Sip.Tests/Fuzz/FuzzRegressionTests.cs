using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Sip.Tests.Fuzz;

/// <summary>Inputs the fuzzer (fuzz/Osprey.Fuzz) found to crash or stall the parser, kept as tests.</summary>
public class FuzzRegressionTests
{
    private static SipMessage? Parse(string text, out ParseError error) =>
        SipMessage.Parse(Encoding.Latin1.GetBytes(text), Framing.Datagram, out error);

    [Theory]
    [InlineData("BYE ")]
    [InlineData("BYE \t ")]
    [InlineData("INVITE  \r\nVia: SIP/2.0/UDP h\r\n\r\n")]
    public void Method_followed_only_by_blanks_is_a_bad_start_line(string text)
    {
        var m = Parse(text, out var error);
        Assert.NotNull(m);
        Assert.Equal(ParseErrorKind.BadStartLine, error.Kind);
    }

    // Parse returns the message after a bad start line or header line (so a 400 can be built), but
    // Length was 0 then: Detach copied nothing and every view threw ArgumentOutOfRange afterwards.
    [Theory]
    [InlineData("OPS s")]
    [InlineData("SIP/2.0 100  \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nV")]
    [InlineData("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\nbad line\r\nTo: <sip:b@c>\r\n\r\n")]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 236\r\nP")]
    [InlineData("REGle.com& SI@/2.0\r\nTo: sip:u")]
    public void Message_with_parse_error_survives_Detach(string text)
    {
        var m = Parse(text, out var error);
        Assert.NotNull(m);
        Assert.True(error.IsError);
        var before = Views(m);
        m.Detach();
        Assert.Equal(before, Views(m));
    }

    private static string Views(SipMessage m)
    {
        var sb = new StringBuilder();
        sb.Append(Encoding.Latin1.GetString(m.IsRequest ? m.MethodText : m.Reason)).Append('|');
        for (int i = 0; i < m.HeaderCount; i++) sb.Append(m.ValueString(i)).Append('|');
        sb.Append(Encoding.Latin1.GetString(m.CallId)).Append('|').Append(m.To.IsValid).Append('|').Append(m.TopVia.IsValid);
        sb.Append('|').Append(m.Validate().Kind);
        return sb.ToString();
    }

    // Found by the growth check of fuzz/Osprey.Fuzz plain: "sip:a@example.com;p0=v;p1=v;...;pN=v" (and
    // "?h0=v&h1=v&...", and tel: parameters) made SipUri.Equivalent quadratic: 1 s at 100 KB.
    [Theory]
    [InlineData("sip:a@example.com", ";p{0}=v", "", 0)]
    [InlineData("sip:a@example.com?", "h{0}=v&", "x=y", 1)]
    [InlineData("tel:+1234", ";p{0}=v", "", 0)]
    public void Uri_parameter_count_is_bounded(string prefix, string unit, string suffix, int suffixItems)
    {
        static string Make(string prefix, string unit, string suffix, int n)
        {
            var sb = new StringBuilder(prefix);
            for (int i = 0; i < n; i++) sb.AppendFormat(System.Globalization.CultureInfo.InvariantCulture, unit, i);
            return sb.Append(suffix).ToString();
        }
        int most = Osprey.Sip.Uri.SipUri.MaxParams - suffixItems;
        Assert.True(Osprey.Sip.Uri.SipUri.TryParse(Make(prefix, unit, suffix, most), out var ok));
        Assert.True(Osprey.Sip.Uri.SipUri.Equivalent(ok, ok));
        Assert.False(Osprey.Sip.Uri.SipUri.TryParse(Make(prefix, unit, suffix, most + 1), out _));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Osprey.Sip.Uri.SipUri.TryParse(Make(prefix, unit, suffix, 20_000), out _));
        Assert.True(sw.ElapsedMilliseconds < 1000);
    }
}
