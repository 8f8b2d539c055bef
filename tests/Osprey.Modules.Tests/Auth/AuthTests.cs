using Osprey.Modules.Auth;
using Osprey.Core.Modules;
using Osprey.Sip.Digest;

namespace Osprey.Modules.Tests.Auth;

public class AuthTests
{
    [Fact]
    public void Register_401_then_correct_digest_then_200_listing_the_binding()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        Assert.Contains("realm=\"example.com\"", ch, StringComparison.Ordinal);
        Assert.Contains("qop=\"auth\"", ch, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", ch, StringComparison.Ordinal);
        Assert.Equal(AuthCodes.NoCredentials, f.LastAuth);

        var cred = DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com");
        Assert.Equal(1, f.RegisterWith(cred));
        Assert.Equal(1, f.LastAuth);
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
        Assert.Equal(["<sip:alice@192.0.2.7:40000>;expires=3600"], f.Sip.ReplyHeaders("Contact"));
        Assert.Equal(1, f.Auth.Successes);
    }

    [Fact]
    public void Wrong_password_gets_401_again_never_200()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        for (int i = 0; i < 3; i++)
        {
            f.RegisterWith(DigestClient.Answer(ch, "alice", "guess" + i, "REGISTER", "sip:example.com"), cseq: 2 + i);
            Assert.Equal(AuthCodes.InvalidPassword, f.LastAuth);
            Assert.Equal(401, f.Sip.LastReply().StatusCode);
        }
        Assert.Null(f.R.Ul.LookupAor("location", "alice"));
        Assert.DoesNotContain(f.Sip.Sent, s => System.Text.Encoding.UTF8.GetString(s.Data).StartsWith("SIP/2.0 200", StringComparison.Ordinal));
        Assert.Equal(4, f.Auth.Failures); // the first (no credentials) and three wrong passwords
    }

    [Fact]
    public void Unknown_user_is_minus_3()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge("mallory");
        f.RegisterWith(DigestClient.Answer(ch, "mallory", "x", "REGISTER", "sip:example.com"), user: "mallory");
        Assert.Equal(AuthCodes.UserUnknown, f.LastAuth);
        Assert.Equal(401, f.Sip.LastReply().StatusCode);
    }

    [Fact]
    public void Replayed_nonce_is_refused_with_one_time_nonce()
    {
        using var f = new AuthFixture(a => a.OneTimeNonce = 1);
        var ch = f.Challenge();
        var cred = DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com");
        Assert.Equal(1, f.RegisterWith(cred, cseq: 2));
        f.RegisterWith(cred, cseq: 3);
        Assert.Equal(AuthCodes.NonceReused, f.LastAuth);
        Assert.Equal(401, f.Sip.LastReply().StatusCode);
        Assert.Equal(1, f.Auth.ReusedNonces);
    }

    [Fact]
    public void Nonce_count_must_grow()
    {
        using var f = new AuthFixture(a => { a.NonceCount = 1; a.Qop = "auth"; });
        var ch = f.Challenge(flags: "0");
        Assert.Contains("qop=\"auth\"", ch, StringComparison.Ordinal);
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nc: 1), cseq: 2));
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nc: 1), cseq: 3);
        Assert.Equal(AuthCodes.NonceReused, f.LastAuth);
        Assert.Equal(2, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nc: 2), cseq: 4));
        Assert.Equal(1, f.LastAuth);
    }

    [Fact]
    public void Expired_nonce_gives_minus_4_and_a_new_challenge_with_stale_true()
    {
        using var f = new AuthFixture(a => a.NonceExpire = 30);
        var ch = f.Challenge();
        f.R.Now += 31;
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"));
        Assert.Equal(AuthCodes.NonceStale, f.LastAuth);
        Assert.Equal(401, f.Sip.LastReply().StatusCode);
        var again = Assert.Single(f.Sip.ReplyHeaders("WWW-Authenticate"));
        Assert.Contains("stale=true", again, StringComparison.Ordinal);
        Assert.NotEqual(ch, again);
        // the fresh nonce works
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(again, "alice", "s3cret!", "REGISTER", "sip:example.com"), cseq: 3));
    }

    [Fact]
    public void Forged_or_foreign_nonce_is_refused()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        Assert.True(DigestChallenge.TryParse(System.Text.Encoding.UTF8.GetBytes(ch), out var c, out _));
        var nonce = System.Text.Encoding.UTF8.GetString(c.Nonce);
        var tampered = nonce[..10] + (nonce[10] == 'A' ? 'B' : 'A') + nonce[11..];
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nonceOverride: tampered));
        Assert.Equal(AuthCodes.Error, f.LastAuth);
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nonceOverride: "deadbeef"), cseq: 3);
        Assert.Equal(AuthCodes.Error, f.LastAuth);
    }

    [Fact]
    public void Nodes_sharing_the_secret_accept_each_others_nonces()
    {
        using var a = new AuthFixture();
        using var b = new AuthFixture();
        var ch = a.Challenge();
        Assert.Equal(1, b.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com")));
        using var c = new AuthFixture(x => x.Secret = "another-secret-entirely-0123456789");
        c.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"));
        Assert.Equal(AuthCodes.Error, c.LastAuth);
    }

    [Theory]
    [InlineData("MD5", "1")]
    [InlineData("MD5-sess", "1")]
    [InlineData("SHA-256", "1")]
    [InlineData("SHA-256-sess", "1")]
    [InlineData("SHA-512-256", "1")]
    [InlineData("SHA-512-256-sess", "1")]
    [InlineData("SHA-256", "0")]
    [InlineData("SHA-256", "2")]
    public void Algorithms_and_qop(string algorithm, string flags)
    {
        using var f = new AuthFixture(a => a.Algorithm = algorithm);
        var ch = f.Challenge(flags: flags);
        Assert.Contains("algorithm=" + algorithm, ch, StringComparison.Ordinal);
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com")));
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
    }

    [Fact]
    public void Auth_int_covers_the_body()
    {
        using var f = new AuthFixture();
        f.Sip.Run(SipHarness.Invite("sip:bob@example.com"), ctx => f.Auth.ProxyChallenge(ctx, "example.com", "2"));
        Assert.Equal(407, f.Sip.LastReply().StatusCode);
        var ch = Assert.Single(f.Sip.ReplyHeaders("Proxy-Authenticate"));
        Assert.Contains("qop=\"auth-int\"", ch, StringComparison.Ordinal);
        const string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        string Invite(string cred, string b) => "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-ai" + b.Length + "\r\nMax-Forwards: 70\r\n" +
            "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: ai@192.0.2.9\r\nCSeq: 2 INVITE\r\nContact: <sip:alice@192.0.2.9>\r\n" +
            "Proxy-Authorization: " + cred + "\r\nContent-Type: application/sdp\r\nContent-Length: " + b.Length + "\r\n\r\n" + b;
        var cred = DigestClient.Answer(ch, "alice", "s3cret!", "INVITE", "sip:bob@example.com", body: body, qopChoice: DigestQop.AuthInt);
        Assert.Equal(1, f.Sip.Run(Invite(cred, body), ctx => f.AuthDb.ProxyAuthorize(ctx, "example.com", "subscriber")));
        // the same credentials with another body fail
        Assert.Equal(AuthCodes.InvalidPassword, f.Sip.Run(Invite(cred, body.Replace("4000", "4002", StringComparison.Ordinal)), ctx => f.AuthDb.ProxyAuthorize(ctx, "example.com", "subscriber")));
    }

    [Fact]
    public void Several_algorithms_give_one_challenge_each_preferred_first()
    {
        using var f = new AuthFixture(a => a.Algorithm = "SHA-256,MD5");
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"]), ctx => f.RegisterRoute(ctx));
        var chs = f.Sip.ReplyHeaders("WWW-Authenticate");
        Assert.Equal(2, chs.Count);
        Assert.Contains("algorithm=SHA-256", chs[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", chs[1], StringComparison.Ordinal);
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(chs[1], "alice", "s3cret!", "REGISTER", "sip:example.com")));
    }

    [Fact]
    public void Stored_ha1_and_ha1b_for_usernames_with_domain()
    {
        using var f = new AuthFixture(authDb: d => { d.CalculateHa1 = 0; d.PasswordColumn = "ha1"; });
        var ch = f.Challenge();
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"), cseq: 2));
        Assert.Equal(2, f.RegisterWith(DigestClient.Answer(ch, "alice@example.com", "s3cret!", "REGISTER", "sip:example.com"), cseq: 3));
        Assert.Equal(1, f.LastAuth);
        f.RegisterWith(DigestClient.Answer(ch, "alice", "wrong", "REGISTER", "sip:example.com"), cseq: 4);
        Assert.Equal(AuthCodes.InvalidPassword, f.LastAuth);
    }

    [Fact]
    public void Use_domain_looks_up_user_in_the_realm()
    {
        using var f = new AuthFixture(authDb: d => d.UseDomain = 1);
        var ch = f.Challenge("bob");
        f.RegisterWith(DigestClient.Answer(ch, "bob", "bobpw", "REGISTER", "sip:example.com"), user: "bob");
        Assert.Equal(AuthCodes.UserUnknown, f.LastAuth); // bob is in example.org
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com")));
    }

    [Fact]
    public void Auth_checks_register_binds_the_nonce_to_the_call_id()
    {
        using var f = new AuthFixture(a => a.ChecksRegister = 2);
        var ch = f.Challenge(callId: "c1@x");
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"), callId: "c2@x");
        Assert.Equal(AuthCodes.NonceStale, f.LastAuth);
        Assert.Contains("stale=true", Assert.Single(f.Sip.ReplyHeaders("WWW-Authenticate")), StringComparison.Ordinal);
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"), callId: "c1@x"));
    }

    [Fact]
    public void Auth_check_compares_the_auth_user_with_from_and_to()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        var cred = DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com");
        // alice's credentials in a REGISTER for bob@example.com
        string msg = SipHarness.Register("bob", ["<sip:bob@1.1.1.1>"], authorization: cred);
        Assert.Equal(AuthCodes.AuthUserMismatch, f.Sip.Run(msg, ctx => f.AuthDb.AuthCheck(ctx, "example.com", "subscriber", "1")));
        Assert.Equal(1, f.Sip.Run(SipHarness.Register("bob", ["<sip:bob@1.1.1.1>"], authorization: cred), ctx => f.AuthDb.AuthCheck(ctx, "example.com", "subscriber", "0")));
        Assert.Equal(1, f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], authorization: cred), ctx => f.AuthDb.AuthCheck(ctx, "example.com", "subscriber", "1")));
    }

    [Fact]
    public void Has_credentials_consume_credentials_and_auth_pvs()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        var cred = DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com");
        var pv = new Dictionary<string, PvValue>();
        int edits = 0;
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], authorization: cred), ctx =>
        {
            Assert.Equal(1, f.Auth.HasCredentials(ctx, "example.com"));
            Assert.Equal(-1, f.Auth.HasCredentials(ctx, "other.net"));
            Assert.Equal(-1, f.Auth.ConsumeCredentials(ctx)); // nothing authorized yet
            Assert.Equal(1, f.AuthDb.WwwAuthorize(ctx, "example.com", "subscriber"));
            pv["au"] = f.Auth.GetAu(ctx, null);
            pv["ad"] = f.Auth.GetAd(ctx, null);
            pv["ar"] = f.Auth.GetAr(ctx, null);
            pv["adu"] = f.Auth.GetAdu(ctx, null);
            pv["aa"] = f.Auth.GetAa(ctx, null);
            pv["an"] = f.Auth.GetAn(ctx, null);
            Assert.Equal(1, f.Auth.ConsumeCredentials(ctx));
            edits = ctx.Editor.EditCount;
            return 1;
        });
        Assert.Equal("alice", pv["au"].Str);
        Assert.Equal("example.com", pv["ad"].Str);
        Assert.Equal("example.com", pv["ar"].Str);
        Assert.Equal("sip:example.com", pv["adu"].Str);
        Assert.Equal("MD5", pv["aa"].Str);
        Assert.Contains(pv["an"].Str, ch, StringComparison.Ordinal);
        Assert.Equal(1, edits);
    }

    [Fact]
    public void Is_subscriber()
    {
        using var f = new AuthFixture();
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.AuthDb.IsSubscriber(ctx, "sip:alice@example.com", "subscriber", "1")));
        Assert.Equal(-1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.AuthDb.IsSubscriber(ctx, "sip:bob@example.com", "subscriber", "1")));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.AuthDb.IsSubscriber(ctx, "sip:bob@example.com", "subscriber", "0")));
        Assert.Equal(-1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.AuthDb.IsSubscriber(ctx, "sip:nobody@example.com", "subscriber", "0")));
    }

    [Fact]
    public void Load_credentials_fetches_extra_columns()
    {
        using var f = new AuthFixture(authDb: d => d.LoadCredentials = "$avp(s:dom)=domain;ha1");
        var ch = f.Challenge();
        string? dom = null;
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], authorization: DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com")), ctx =>
        {
            int r = f.AuthDb.WwwAuthorize(ctx, "example.com", "subscriber");
            dom = Osprey.Modules.AuthDb.AuthDbModule.LoadedCredential(ctx, "domain");
            return r;
        });
        Assert.Equal(1, f.Sip.Ret);
        Assert.Equal("example.com", dom);
    }

    [Fact]
    public void A_password_changed_by_another_process_counts_from_the_next_register()
    {
        using var f = new AuthFixture();
        var ch = f.Challenge();
        Assert.Equal(1, f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com"), cseq: 2));

        // the sqlite3 shell stands for ospreyctl or a provisioning tool: its own process and connection
        Sqlite3(f.DbPath, "UPDATE subscriber SET password = 'n3w-secret' WHERE username = 'alice';");
        f.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nc: 2), cseq: 3);
        Assert.Equal(AuthCodes.InvalidPassword, f.LastAuth);
        f.RegisterWith(DigestClient.Answer(ch, "alice", "n3w-secret", "REGISTER", "sip:example.com", nc: 3), cseq: 4);
        Assert.Equal(AuthCodes.Ok, f.LastAuth);
        Assert.Equal(200, f.Sip.LastReply().StatusCode);

        Sqlite3(f.DbPath, "DELETE FROM subscriber WHERE username = 'alice';");
        f.RegisterWith(DigestClient.Answer(ch, "alice", "n3w-secret", "REGISTER", "sip:example.com", nc: 4), cseq: 5);
        Assert.Equal(AuthCodes.UserUnknown, f.LastAuth);
        Assert.Equal(-1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.AuthDb.IsSubscriber(ctx, "sip:alice@example.com", "subscriber", "0")));
    }

    private static void Sqlite3(string file, string sql)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sqlite3", [file, ".timeout 5000", sql])
        {
            RedirectStandardError = true,
        })!;
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
            Assert.Fail("sqlite3 did not finish");
        }
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
    }

    /// <summary>ARCHITECTURE.md: the hot path allocates nothing per message beyond the message itself.
    /// auth_check of a good REGISTER (nonce check, subscriber lookup, digest, From/To check) once warm.</summary>
    [Fact]
    public void Auth_check_of_good_credentials_allocates_nothing_once_warm()
    {
        using var f = new AuthFixture(a => a.NonceCount = 1);
        var ch = f.Challenge();
        for (int i = 0; i < 4; i++)
        {
            long allocated = -1;
            var cred = DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com", nc: (uint)(1 + i));
            f.Sip.Run(SipHarness.Register("alice", ["<sip:alice@192.0.2.7:40000>"], cseq: 2 + i, authorization: cred), ctx =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                int r = f.AuthDb.AuthCheck(ctx, "example.com", "subscriber", "1");
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                return r;
            });
            Assert.Equal(1, f.Sip.Ret);
            if (i > 0) Assert.Equal(0, allocated);
        }
    }
}
