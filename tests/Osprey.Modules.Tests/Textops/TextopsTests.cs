using System.Text;
using Osprey.Modules.Textops;
using Osprey.Modules.Textopsx;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Textops;

public class TextopsTests
{
    private readonly ModuleHarness _h = new();
    private readonly Osprey.Modules.Textops.Textops _t = new();
    private readonly Osprey.Modules.Textopsx.Textopsx _x = new();

    [Theory]
    [InlineData("INVITE", 1)]
    [InlineData("invite", 1)]
    [InlineData("REGISTER|INVITE", 1)]
    [InlineData("OPTIONS|UPDATE", -1)]
    [InlineData("FOO|BAR", -1)]
    public void IsMethodMatchesAnyMethodOfTheList(string list, int expected)
    {
        Assert.Equal(expected, _h.Call(Invite, ctx => _t.IsMethod(ctx, list)));
    }

    [Fact]
    public void IsMethodOnAReplyTestsTheCSeqMethod()
    {
        Assert.Equal(1, _h.Call(Reply603, ctx => _t.IsMethod(ctx, "BYE|INVITE")));
        Assert.Equal(-1, _h.Call(Reply603, ctx => _t.IsMethod(ctx, "BYE")));
    }

    [Fact]
    public void IsMethodComparesUnknownMethodsByName()
    {
        var req = Options.Replace("OPTIONS", "FOOBAR");
        Assert.Equal(1, _h.Call(req, ctx => _t.IsMethod(ctx, "INVITE|foobar")));
    }

    [Fact]
    public void AppendHfAddsTheHeaderAtTheEndOfTheHeaders()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.AppendHf(c, "X-Hint: voicemail\r\n")));
        var m = Forwarded(ctx);
        int i = m.IndexOf("X-Hint"u8);
        Assert.Equal(m.HeaderCount - 1, i);
        Assert.Equal("voicemail", m.ValueString(i));
        Assert.Equal(35, m.BodyLength);
    }

    [Fact]
    public void AppendHfAfterANamedHeader()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.AppendHf(c, "X-After: 1\r\n", "Call-ID")));
        var m = Forwarded(ctx);
        Assert.Equal(m.IndexOf(HeaderId.CallId) + 1, m.IndexOf("X-After"u8));
        Assert.Equal(-1, _h.Call(Invite, c => _t.AppendHf(c, "X-After: 1\r\n", "X-Missing")));
    }

    [Fact]
    public void InsertHfPutsTheHeaderFirstOrBeforeANamedHeader()
    {
        var ctx = _h.Run(Invite, c =>
        {
            _t.InsertHf(c, "X-First: 1\r\n");
            _t.InsertHf(c, "X-Before-CSeq: 2\r\n", "CSeq");
        });
        var m = Forwarded(ctx);
        Assert.Equal(0, m.IndexOf("X-First"u8));
        Assert.Equal(m.IndexOf(HeaderId.CSeq) - 1, m.IndexOf("X-Before-CSeq"u8));
    }

    [Fact]
    public void RemoveHfRemovesEveryLongAndCompactForm()
    {
        var req = Invite.Replace("User-Agent: TestUA/1.0\n", "User-Agent: TestUA/1.0\nm: <sip:alice@192.0.2.8>\n");
        var ctx = _h.Run(req, c => Assert.Equal(1, _t.RemoveHf(c, "Contact")));
        var m = Forwarded(ctx);
        Assert.False(m.Has(HeaderId.Contact));
        Assert.Equal(-1, _h.Call(Invite, c => _t.RemoveHf(c, "X-Nothing")));
    }

    [Fact]
    public void RemoveHfReAndRemoveHfExp()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.RemoveHfRe(c, "^P-")));
        var m = Forwarded(ctx);
        Assert.Equal(-1, m.IndexOf("P-Asserted-Identity"u8));
        Assert.Equal(-1, m.IndexOf("P-Charge-Info"u8));

        ctx = _h.Run(Invite, c => Assert.Equal(1, _t.RemoveHfExp(c, "^P-", "^P-Asserted")));
        m = Forwarded(ctx);
        Assert.True(m.IndexOf("P-Asserted-Identity"u8) >= 0);
        Assert.Equal(-1, m.IndexOf("P-Charge-Info"u8));
    }

    [Fact]
    public void IsPresentHfKnowsCompactFormsAndRegex()
    {
        var req = Invite.Replace("From:", "f:");
        Assert.Equal(1, _h.Call(req, c => _t.IsPresentHf(c, "From")));
        Assert.Equal(1, _h.Call(Invite, c => _t.IsPresentHf(c, "user-agent")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.IsPresentHf(c, "Route")));
        Assert.Equal(1, _h.Call(Invite, c => _t.IsPresentHfRe(c, "^P-(Asserted|Preferred)")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.IsPresentHfRe(c, "^X-")));
    }

    [Fact]
    public void SearchIsCaseInsensitiveAndDoesNotSeeUnappliedEdits()
    {
        Assert.Equal(1, _h.Call(Invite, c => _t.Search(c, "testua/[0-9]")));
        Assert.Equal(1, _h.Call(Invite, c => _t.Search(c, "^CSeq: 10 INVITE")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.Search(c, "X-Added")));
        int before = 0, after = 0, applied = 0;
        _h.Run(Invite, c =>
        {
            _t.AppendHf(c, "X-Added: yes\r\n");
            before = _t.Search(c, "X-Added: yes");
            applied = _x.MsgApplyChanges(c);
            after = _t.Search(c, "X-Added: yes");
        });
        Assert.Equal(-1, before);
        Assert.Equal(1, applied);
        Assert.Equal(1, after);
    }

    [Fact]
    public void DollarMatchesBeforeLfSoTheCrOfACrlfLineIsInTheWay()
    {
        // POSIX REG_NEWLINE semantics, observed with Kamailio 5.6: search("^CSeq: 10 INVITE$") is false
        Assert.Equal(-1, _h.Call(Invite, c => _t.Search(c, "^CSeq: 10 INVITE$")));
        Assert.Equal(1, _h.Call(Invite, c => _t.Search(c, "^CSeq: 10 INVITE\r$")));
    }

    [Fact]
    public void MsgApplyChangesLetsLaterEditsBuildOnEarlierOnes()
    {
        var ctx = _h.Run(Invite, c =>
        {
            _t.AppendHf(c, "X-One: 1\r\n");
            _x.MsgApplyChanges(c);
            Assert.Equal(1, _t.IsPresentHf(c, "X-One"));
            Assert.Equal(1, _t.AppendHf(c, "X-Two: 2\r\n", "X-One"));
        });
        var m = Forwarded(ctx);
        Assert.Equal(m.IndexOf("X-One"u8) + 1, m.IndexOf("X-Two"u8));
    }

    [Fact]
    public void MsgApplyChangesPutsTheNewRequestUriIntoTheMessage()
    {
        var ctx = _h.Run(Invite, c =>
        {
            c.NewRequestUri = "sip:changed@example.net";
            Assert.Equal(1, _x.MsgApplyChanges(c));
            Assert.Equal(1, _t.Search(c, "^INVITE sip:changed@example.net SIP/2.0"));
        });
        Assert.Null(ctx.NewRequestUri);
        Assert.Equal("sip:changed@example.net"u8.ToArray(), Forwarded(ctx).RequestUriText.ToArray());
    }

    [Fact]
    public void SearchBodyLooksOnlyAtTheBody()
    {
        Assert.Equal(1, _h.Call(Invite, c => _t.SearchBody(c, "^o=alice")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.SearchBody(c, "Call-ID")));
    }

    [Fact]
    public void SearchAppendAndReplace()
    {
        var ctx = _h.Run(Invite, c =>
        {
            Assert.Equal(1, _t.SearchAppend(c, "TestUA/1\\.0", " (via Osprey)"));
            Assert.Equal(1, _t.Replace(c, "alice 1 1", "osprey 2 2"));
        });
        var m = Forwarded(ctx);
        Assert.Equal("TestUA/1.0 (via Osprey)", m.ValueString(m.IndexOf(HeaderId.UserAgent)));
        Assert.Contains("o=osprey 2 2 IN IP4", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(m.BodyLength, m.ContentLength);
    }

    [Fact]
    public void ReplaceBodyFixesContentLength()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.ReplaceBody(c, "192\\.0\\.2\\.7", "203.0.113.200")));
        var m = Forwarded(ctx);
        Assert.Equal("v=0\r\no=alice 1 1 IN IP4 203.0.113.200\r\n", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(m.BodyLength, m.ContentLength);
        // the Contact header carries the same address but is outside the body
        Assert.Contains("192.0.2.7", m.ValueString(m.IndexOf(HeaderId.Contact)));
    }

    [Fact]
    public void SubstUsesBackReferencesAndFlags()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.Subst(c, "/^User-Agent: ([a-z]+)\\/(.*)$/User-Agent: \\2 by \\1/i")));
        var m = Forwarded(ctx);
        Assert.Equal("1.0 by TestUA", m.ValueString(m.IndexOf(HeaderId.UserAgent)));

        ctx = _h.Run(Invite, c => Assert.Equal(1, _t.Subst(c, "/example\\.org/example.net/g")));
        var text = ForwardedText(ctx);
        Assert.DoesNotContain("example.org", text);
        Assert.Contains("Call-ID: call-1@example.net", text);

        // without g only the first match changes
        ctx = _h.Run(Invite, c => _t.Subst(c, "/example\\.org/example.net/"));
        text = ForwardedText(ctx);
        Assert.Contains("Call-ID: call-1@example.org", text);
        Assert.Equal(-1, _h.Call(Invite, c => _t.Subst(c, "/nothing-here/x/")));
    }

    [Fact]
    public void PatternsCannotBeMadeToRunForEver()
    {
        // a pattern with nested quantifiers against a long header a peer chose: linear time, as POSIX
        var req = Invite.Replace("User-Agent: TestUA/1.0", "User-Agent: " + new string('a', 20000) + "!");
        int result = 0;
        var run = Task.Run(() => result = new ModuleHarness().Call(req, c => _t.Search(c, "^User-Agent: (a+)+$")));
        Assert.True(run.Wait(TimeSpan.FromSeconds(10)), "search did not finish in 10 s");
        Assert.Equal(-1, result);
    }

    [Fact]
    public void SubstRejectsMalformedExpressions()
    {
        Assert.Equal(-1, _h.Call(Invite, c => _t.Subst(c, "/unterminated")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.Subst(c, "/(a)/\\2/")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.Subst(c, "/a/b/q")));
    }

    [Fact]
    public void SubstUriAndSubstUserRewriteTheRequestUri()
    {
        var ctx = _h.Run(Invite.Replace("sip:bob@example.com SIP", "sip:5551234@example.com SIP"),
            c => Assert.Equal(1, _t.SubstUri(c, "/^sip:([0-9]+)@(.*)$/sip:3463\\1@\\2;orig_uri=\\0/i")));
        Assert.Equal("sip:34635551234@example.com;orig_uri=sip:5551234@example.com", ctx.NewRequestUri);

        ctx = _h.Run(Invite.Replace("sip:bob@example.com SIP", "sip:813642@example.com SIP"),
            c => Assert.Equal(1, _t.SubstUser(c, "/3642$/36423463/")));
        Assert.Equal("sip:8136423463@example.com", ctx.NewRequestUri);

        Assert.Equal(-1, _h.Call(Invite, c => _t.SubstUser(c, "/^[0-9]+$/x/")));

        ctx = _h.Run(Invite.Replace("sip:bob@example.com SIP", "sip:bob:secret@example.com SIP"),
            c => Assert.Equal(1, _t.SubstUser(c, "/bob/carol/")));
        Assert.Equal("sip:carol:secret@example.com", ctx.NewRequestUri);

        // a URI without user gets one
        ctx = _h.Run(Options, c => Assert.Equal(1, _t.SubstUser(c, "/^$/service/")));
        Assert.Equal("sip:service@example.com", ctx.NewRequestUri);
    }

    [Fact]
    public void SubstBodyEditsTheBody()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.SubstBody(c, "/^o=([a-z]+) /o=bob /")));
        var m = Forwarded(ctx);
        Assert.StartsWith("v=0\r\no=bob 1 1", Encoding.UTF8.GetString(m.Body));
    }

    [Fact]
    public void HasBodyWithAndWithoutMime()
    {
        Assert.Equal(1, _h.Call(Invite, c => _t.HasBody(c)));
        Assert.Equal(1, _h.Call(Invite, c => _t.HasBody(c, "application/SDP")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.HasBody(c, "text/plain")));
        Assert.Equal(-1, _h.Call(Options, c => _t.HasBody(c)));
    }

    [Fact]
    public void SetBodyReplacesBodyAndContentType()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _t.SetBody(c, "hello world", "text/plain")));
        var m = Forwarded(ctx);
        Assert.Equal("hello world", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(11, m.ContentLength);
        Assert.Equal("text/plain", m.ValueString(m.IndexOf(HeaderId.ContentType)));
        Assert.Equal(m.IndexOf(HeaderId.ContentType), m.NextIndexOf(HeaderId.ContentType, -1));
        Assert.Equal(-1, m.NextIndexOf(HeaderId.ContentType, m.IndexOf(HeaderId.ContentType)));
    }

    [Fact]
    public void AppendToReplyAndSetReplyBodyAreKeptForTheLocalReply()
    {
        var ctx = _h.Run(Options, c =>
        {
            _t.AppendToReply(c, "X-Foo: bar\r\n");
            _t.AppendTime(c);
            _t.SetReplyBody(c, "hello", "text/plain");
        });
        var headers = Encoding.ASCII.GetString(ctx.ReplyHeaders);
        Assert.StartsWith("X-Foo: bar\r\nDate: ", headers);
        Assert.Matches(@"Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$", headers);
        Assert.Equal("hello", ctx.ReplyBody);
        Assert.Equal("text/plain", ctx.ReplyContentType);
        // nothing of it leaks into the next message on the same context
        ctx = _h.Run(Options, _ => { });
        Assert.True(ctx.ReplyHeaders.IsEmpty);
        Assert.Null(ctx.ReplyBody);
    }

    private const string MultipartInvite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-mp
        Max-Forwards: 70
        From: "Alice" <sip:alice@example.org>;tag=ft1
        To: <sip:bob@example.com>
        Call-ID: call-mp@example.org
        CSeq: 10 INVITE
        Content-Type: multipart/mixed;boundary=b1
        Content-Length: 84

        --b1
        Content-Type: application/sdp

        v=0
        o=alice 1 1 IN IP4 192.0.2.7

        --b1--

        """;

    [Fact]
    public void AppendBodyPartAddsPartsBeforeTheClosingDelimiter()
    {
        var ctx = _h.Run(MultipartInvite, c =>
        {
            Assert.Equal(1, _t.AppendBodyPart(c, "7e 0d 04", "application/vnd.cirpack.isdn-ext", "signal;handling=required"));
            Assert.Equal(1, _t.AppendBodyPart(c, "part3", "text/html"));
        });
        var m = Forwarded(ctx);
        // byte for byte what Kamailio 5.6.3 sends for the same message and calls
        Assert.Equal("--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=alice 1 1 IN IP4 192.0.2.7\r\n\r\n"
            + "--b1\r\nContent-Type: application/vnd.cirpack.isdn-ext\r\nContent-Disposition: signal;handling=required\r\n\r\n7e 0d 04\r\n"
            + "--b1\r\nContent-Type: text/html\r\n\r\npart3\r\n--b1--\r\n", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(m.BodyLength, m.ContentLength);
        Assert.Equal("multipart/mixed;boundary=b1", m.ValueString(m.IndexOf(HeaderId.ContentType)));
    }

    [Fact]
    public void AppendBodyPartRefusesABodyThatIsNotMultipart()
    {
        Assert.Equal(-1, _h.Call(Invite, c => _t.AppendBodyPart(c, "x", "text/plain")));
        Assert.Equal(-1, _h.Call(Options, c => _t.AppendBodyPart(c, "x", "text/plain")));
    }

    [Fact]
    public void FilterBodyKeepsTheFirstPartOfTheType()
    {
        var ctx = _h.Run(MultipartInvite, c => Assert.Equal(1, _t.FilterBody(c, "application/sdp")));
        var m = Forwarded(ctx);
        Assert.StartsWith("v=0\r\no=alice 1 1 IN IP4 192.0.2.7", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(m.BodyLength, m.ContentLength);
        Assert.Equal(-1, _h.Call(MultipartInvite, c => _t.FilterBody(c, "text/html")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.FilterBody(c, "application/sdp")));
    }

    [Fact]
    public void PlainTextReplaceAndRemoveByValue()
    {
        var ctx = _h.Run(Invite, c =>
        {
            Assert.Equal(1, _t.ReplaceStr(c, "example.org", "example.net", "a"));
            Assert.Equal(1, _t.RemoveHfMatch(c, "Supported", "in", "timer"));
            Assert.Equal(-1, _t.RemoveHfMatch(c, "User-Agent", "eq", "Other"));
            Assert.Equal(1, _t.RemoveHfMatch(c, "User-Agent", "re", "^test"));
        });
        var text = ForwardedText(ctx);
        Assert.DoesNotContain("example.org", text);
        Assert.StartsWith("INVITE sip:bob@example.com SIP/2.0", text);
        Assert.DoesNotContain("Supported:", text);
        Assert.DoesNotContain("User-Agent:", text);

        ctx = _h.Run(Invite, c => Assert.Equal(1, _t.ReplaceBodyStr(c, "alice", "bob", "f")));
        Assert.Contains("o=bob 1 1", ForwardedText(ctx));
        Assert.Equal(1, _h.Call(Invite.Replace("User-Agent", "Privacy: id; header\nUser-Agent"), c => _t.IsPrivacy(c, "header")));
        Assert.Equal(-1, _h.Call(Invite, c => _t.IsPrivacy(c, "id")));
    }

    [Fact]
    public void StringComparisons()
    {
        Assert.Equal(1, _t.CmpStr(null!, "abc", "abc"));
        Assert.Equal(-1, _t.CmpStr(null!, "abc", "ABC"));
        Assert.Equal(1, _t.CmpIStr(null!, "abc@YOU", "ABC@you"));
        Assert.Equal(1, _t.StartsWith(null!, "+358123", "+358"));
        Assert.Equal(-1, _t.StartsWith(null!, "358123", "+358"));
        Assert.Equal(1, _t.InList(null!, "b", "a, b ,c", ","));
        Assert.Equal(1, _t.InListPrefix(null!, "final", "dk,fi,no,se", ","));
        Assert.Equal(-1, _t.InListPrefix(null!, "germany", "dk,fi,no,se", ","));
        Assert.Equal(4, _t.StrFind(null!, "12388001", "8800"));
        Assert.Equal(-1, _t.StrFind(null!, "alice", "Alice"));
        Assert.Equal(1, _t.StrIFind(null!, "alice", "Alice"));
    }
}
