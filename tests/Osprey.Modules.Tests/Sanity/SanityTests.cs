using System.Runtime.CompilerServices;
using System.Text;
using Osprey.Modules.Sanity;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Sanity;

public class SanityTests
{
    private readonly ModuleHarness _h = new();

    private static string DataDir() => Path.Combine(AppContext.BaseDirectory, "Sanity", "TestData");

    private static byte[] Vector(string name) => File.ReadAllBytes(Path.Combine(DataDir(), name + ".dat"));

    private Osprey.Modules.Sanity.Sanity Module(Action<Osprey.Modules.Sanity.Sanity>? configure = null)
    {
        var s = new Osprey.Modules.Sanity.Sanity { Server = _h.Server };
        configure?.Invoke(s);
        Assert.Null(s.Init());
        return s;
    }

    public static TheoryData<string, string> KamailioAnswers()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(DataDir(), "kamailio-5.6.3.tsv")))
        {
            if (line.StartsWith('#')) continue;
            var f = line.Split('\t');
            data.Add(f[0], f[1]);
        }
        return data;
    }

    /// <summary>The RFC 4475 messages Kamailio 5.6.3's sanity_check() (default checks, over UDP) saw:
    /// the same messages fail the same check with the same status line.</summary>
    [Theory]
    [MemberData(nameof(KamailioAnswers))]
    public void DefaultChecksAnswerRfc4475MessagesAsKamailioDoes(string vector, string kamailio)
    {
        var m = SipMessage.Parse(Vector(vector), Framing.Datagram, out _);
        Assert.NotNull(m);
        var f = SanityChecks.Run(m!, (SanityCheck)3047, (SanityUriCheck)7, [], datagram: true);
        string ours = !f.Failed ? "200 OK" : f.Status == 0 ? "no reply" : f.Status + " " + f.Reason;
        Assert.Equal(kamailio, ours);
    }

    [Fact]
    public void Bext01GetsA420NamingTheFirstUnsupportedExtension()
    {
        var sanity = Module();
        int r = 99;
        _h.Run(Encoding.UTF8.GetString(Vector("bext01")), c => r = sanity.SanityCheck(c));
        Assert.Equal(0, r); // autodrop: the script stops
        var reply = _h.LastSent();
        Assert.Equal(420, reply.StatusCode);
        Assert.Equal("Bad Proxy Require Extension", Encoding.UTF8.GetString(reply.Reason));
        Assert.Equal("noProxiesSupportThis", reply.ValueString(reply.IndexOf(HeaderId.Unsupported)));
        Assert.Equal(1, sanity.FailedChecks);
    }

    [Fact]
    public void ProxyRequireParameterListsTheExtensionsThisProxySupports()
    {
        var sanity = Module(s => s.ProxyRequire = "noProxiesSupportThis , norDoAnyProxiesSupportThis");
        Assert.Equal(1, _h.Call(Encoding.UTF8.GetString(Vector("bext01")), sanity.SanityCheck));
        Assert.Empty(_h.Sent);
    }

    [Fact]
    public void WithoutAutodropAFailureIsFalseAndStillAnswered()
    {
        var sanity = Module(s => s.Autodrop = 0);
        var req = Options.Replace("Max-Forwards: 70", "Max-Forwards: 70\nExpires: soon");
        Assert.Equal(-1, _h.Call(req, sanity.SanityCheck));
        var reply = _h.LastSent();
        Assert.Equal(400, reply.StatusCode);
        Assert.Equal("Expires value is illegal", Encoding.UTF8.GetString(reply.Reason));
    }

    [Fact]
    public void NoReplyKeepsTheAnswerForSanityReply()
    {
        var sanity = Module(s => { s.NoReply = 1; s.Autodrop = 0; });
        var req = Options.Replace("Max-Forwards: 70", "Max-Forwards: 70\nExpires: -1");
        int check = 0, reply = 0, sentBefore = -1;
        _h.Run(req, c =>
        {
            check = sanity.SanityCheck(c);
            sentBefore = _h.Sent.Count;
            reply = sanity.SanityReply(c);
        });
        Assert.Equal(-1, check);
        Assert.Equal(0, sentBefore);
        Assert.Equal(1, reply);
        Assert.Equal("SIP/2.0 400 Expires value is illegal", _h.LastSentText().Split("\r\n")[0]);
    }

    [Fact]
    public void OnlyTheRequestedChecksRun()
    {
        var sanity = Module();
        var badExpires = Options.Replace("Max-Forwards: 70", "Max-Forwards: 70\nExpires: 99999999999");
        Assert.Equal(0, _h.Call(badExpires, c => sanity.SanityCheck(c, 256)));
        Assert.Equal(1, _h.Call(badExpires, c => sanity.SanityCheck(c, 1 | 2 | 4 | 32)));
    }

    [Theory]
    [InlineData("From: <sip:alice@example.org>;tag=ft2", "From: <sip:alice@exa mple.org>;tag=ft2", 2, "Invalid From Header")]
    [InlineData("To: <sip:example.com>", "To: <sip:bob@@example.com>", 4, "Ivalid To Header")]
    [InlineData("To: <sip:example.com>", "To: <sip:example.com>;tag=a;tag=b", 0, "Many To Tag Params")]
    [InlineData("From: <sip:alice@example.org>;tag=ft2", "From: <sip:alice@example.org>;tag=ft2;tag=x", 0, "Many From Tag Params")]
    public void UriAndTagChecksGiveKamailiosReasons(string header, string broken, int uriChecks, string reason)
    {
        var m = SipMessage.Parse(Encoding.UTF8.GetBytes(Crlf(Options.Replace(header, broken))), Framing.Datagram, out _)!;
        var f = SanityChecks.Run(m, SanityCheck.ParseUris | SanityCheck.DuplicateTags, (SanityUriCheck)uriChecks, [], datagram: true);
        Assert.Equal(400, f.Status);
        Assert.Equal(reason, f.Reason);
    }

    [Theory]
    [InlineData("Authorization: Digest username=\"bob\", realm=\"x\"", 400)]
    [InlineData("Proxy-Authorization: Digest username=\"bob\"", 400)]
    [InlineData("Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"0123456789abcdef0123456789abcdef\", qop=auth", 400)]
    [InlineData("Authorization: Digest username=\"bob\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"0123456789abcdef0123456789abcdef\"", 200)]
    [InlineData("Authorization: Basic YWxpY2U6c2VjcmV0", 200)]
    public void DigestCredentialsNeedTheirParameters(string header, int expected)
    {
        var m = SipMessage.Parse(Encoding.UTF8.GetBytes(Crlf(Options.Replace("Max-Forwards: 70", "Max-Forwards: 70\n" + header))), Framing.Datagram, out _)!;
        var f = SanityChecks.Run(m, SanityCheck.DigestCredentials, SanityUriCheck.None, [], datagram: true);
        Assert.Equal(expected, f.Failed ? f.Status : 200);
        if (f.Failed) Assert.Equal("Bad Auth Credentials", f.Reason);
    }

    [Theory]
    [InlineData("sip:bob@example.com", true)]
    [InlineData("sips:bob@example.com", true)]
    [InlineData("tel:+358401234567", true)]
    [InlineData("tels:+358401234567", true)]
    [InlineData("im:bob@example.com", false)]
    public void RequestUriSchemesSipSipsTelAndTelsAreSupported(string ruri, bool ok)
    {
        var req = Options.Replace("OPTIONS sip:example.com", "OPTIONS " + ruri);
        var m = SipMessage.Parse(Encoding.UTF8.GetBytes(Crlf(req)), Framing.Datagram, out _)!;
        var f = SanityChecks.Run(m, SanityCheck.RuriScheme, SanityUriCheck.None, [], datagram: true);
        Assert.Equal(ok, !f.Failed);
    }

    [Fact]
    public void MissingRequiredHeadersFail()
    {
        var m = SipMessage.Parse(Vector("insuf"), Framing.Datagram, out _)!;
        var f = SanityChecks.Run(m, SanityCheck.RequiredHeaders, SanityUriCheck.None, [], datagram: true);
        Assert.Equal(SanityCheck.RequiredHeaders, f.Check);
        Assert.Equal(400, f.Status);
    }

    [Fact]
    public void ContentLengthIsCheckedAgainstTheDatagram()
    {
        var req = Options.Replace("Content-Length: 0", "Content-Length: 5") + "abc";
        var m = SipMessage.Parse(Encoding.UTF8.GetBytes(Crlf(req)), Framing.Datagram, out _)!;
        var f = SanityChecks.Run(m, SanityCheck.ContentLength, SanityUriCheck.None, [], datagram: true);
        Assert.Equal("Content-Length mis-match", f.Reason);
    }
}
