using Osprey.Core.Pipeline;
using Osprey.Data;
using Osprey.Data.Schema;
using Osprey.Modules.Auth;
using Osprey.Modules.AuthDb;

namespace Osprey.Modules.Tests.Auth;

/// <summary>registrar + auth + auth_db with a SQLite subscriber table in a temp dir.</summary>
internal sealed class AuthFixture : IDisposable
{
    public readonly RegistrarFixture R;
    public AuthModule Auth { get; }
    public AuthDbModule AuthDb { get; }
    public SipHarness Sip => R.Sip;

    /// <summary>The SQLite file holding the subscriber table.</summary>
    public string DbPath { get; }

    public AuthFixture(Action<AuthModule>? auth = null, Action<AuthDbModule>? authDb = null)
    {
        R = new RegistrarFixture();
        DbPath = Path.Combine(R.Dir, "auth.db");
        var url = "sqlite://" + DbPath;
        Assert.True(Database.TryOpen(url, out var db, out var err), err);
        using (db)
        {
            new SchemaCreator(db).Create();
            db.Insert("subscriber", [new("username", "alice"), new("domain", "example.com"), new("password", "s3cret!"), new("ha1", Md5Ha1("alice", "example.com", "s3cret!")), new("ha1b", Md5Ha1("alice@example.com", "example.com", "s3cret!"))]);
            db.Insert("subscriber", [new("username", "bob"), new("domain", "example.org"), new("password", "bobpw"), new("ha1", ""), new("ha1b", "")]);
        }
        Auth = new AuthModule { Server = R.Sip.Server, Clock = () => R.Now, Secret = "shared-secret-of-the-cluster-0123456789" };
        auth?.Invoke(Auth);
        Assert.Null(Auth.Init());
        AuthDb = new AuthDbModule { Auth = Auth, DbUrl = url, Server = R.Sip.Server, CalculateHa1 = 1, PasswordColumn = "password" };
        authDb?.Invoke(AuthDb);
        Assert.Null(AuthDb.Init());
        Assert.Null(AuthDb.BindTable("subscriber"));
    }

    public static string Md5Ha1(string user, string realm, string pw)
    {
        Span<byte> h = stackalloc byte[32];
        Osprey.Sip.Digest.DigestHash.TryComputeHa1(Osprey.Sip.Digest.DigestAlgorithm.Md5, System.Text.Encoding.UTF8.GetBytes(user),
            System.Text.Encoding.UTF8.GetBytes(realm), System.Text.Encoding.UTF8.GetBytes(pw), default, default, h, out _);
        return System.Text.Encoding.ASCII.GetString(h);
    }

    /// <summary>The usual kamailio.cfg REGISTER block: authenticate or challenge, then save.</summary>
    public int RegisterRoute(MessageContext ctx, string flags = "1")
    {
        int a = AuthDb.WwwAuthorize(ctx, "example.com", "subscriber");
        LastAuth = a;
        if (a < 0)
        {
            Auth.WwwChallenge(ctx, "example.com", flags);
            return 0;
        }
        Auth.ConsumeCredentials(ctx);
        return R.Reg.Save(ctx, "location");
    }

    public int LastAuth { get; private set; }

    /// <summary>Sends the REGISTER without credentials and returns the challenge value.</summary>
    public string Challenge(string user = "alice", string callId = "reg-1@192.0.2.7", string flags = "1", string header = "WWW-Authenticate")
    {
        Sip.Run(SipHarness.Register(user, ["<sip:" + user + "@192.0.2.7:40000>"], callId: callId), ctx => RegisterRoute(ctx, flags));
        Assert.Equal(401, Sip.LastReply().StatusCode);
        return Assert.Single(Sip.ReplyHeaders(header));
    }

    public int RegisterWith(string authorization, string user = "alice", string callId = "reg-1@192.0.2.7", int cseq = 2)
        => Sip.Run(SipHarness.Register(user, ["<sip:" + user + "@192.0.2.7:40000>"], callId: callId, cseq: cseq, authorization: authorization), ctx => RegisterRoute(ctx));

    public void Dispose()
    {
        AuthDb.Dispose();
        R.Dispose();
    }
}
