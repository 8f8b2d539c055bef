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
}
