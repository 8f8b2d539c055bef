using System.Globalization;
using Osprey.Interop.Tests.Support;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests;

/// <summary>
/// What a newcomer gets from <c>osprey</c> without -f (examples/osprey.cfg, embedded): on first start it
/// creates its SQLite database; after <c>ospreyctl add alice secret</c> phones register with digest
/// authentication and call each other; requests without credentials are challenged.
/// </summary>
public sealed class EmbeddedDefaultConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-default-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static string P(int n) => n.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Newcomer_adds_users_and_their_phones_register_with_digest_and_call_each_other()
    {
        // a database file that does not exist yet, in a directory that does not exist yet
        var url = "sqlite://" + Path.Combine(_dir, "state", "osprey.db");
        using var osprey = OspreyProcess.Start("--default-config", "-A", "DBURL=\"" + url + "\"");
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!osprey.Log.Contains(" started ", StringComparison.Ordinal) && DateTime.UtcNow < until) Thread.Sleep(50);
        Assert.Contains("created the database " + url, osprey.Log, StringComparison.Ordinal);

        // the README's commands: users without a domain, added while the server runs
        Ospreyctl.Run("add", "alice", "secret", "--db-url", url);
        Ospreyctl.Run("add", "bob", "b0b-pw", "--db-url", url);

        string domain = "127.0.0.1:" + P(osprey.Port);
        using (var ua = new TestUa())
        {
            // no credentials: REGISTER gets 401, INVITE 407, both with a digest challenge for the From domain
            ua.Send(osprey.Port, Request("REGISTER", "sip:" + domain, "alice", domain, ua.Port, "reg-noauth"));
            var r = WaitFinal(ua);
            Assert.Equal(401, r.StatusCode);
            Assert.Contains("Digest realm=\"127.0.0.1\"", r.ValueString(r.IndexOf(HeaderId.WwwAuthenticate)), StringComparison.Ordinal);
            ua.Send(osprey.Port, Request("INVITE", "sip:bob@" + domain, "alice", domain, ua.Port, "inv-noauth"));
            r = WaitFinal(ua);
            Assert.Equal(407, r.StatusCode);
            Assert.True(r.IndexOf(HeaderId.ProxyAuthenticate) >= 0);
        }

        var users = new SipUsers(_dir, domain, "users", ("alice", "secret"), ("bob", "b0b-pw"));
        using var sip = new Phones(_dir, osprey, domain);
        sip.RegisterAll(users);
        sip.WrongPasswordsAreRefused(users, 2);
        sip.AuthenticatedCalls(users, 10); // alice calls bob, bob calls alice, ...
    }

    private static string Request(string method, string ruri, string user, string domain, int port, string callId) =>
        $"{method} {ruri} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{P(port)};branch=z9hG4bK{callId};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:{user}@{domain}>;tag=t-{callId}\r\n" +
        $"To: <{(method == "REGISTER" ? "sip:" + user + "@" + domain : ruri)}>\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: 1 {method}\r\n" +
        $"Contact: <sip:{user}@127.0.0.1:{P(port)}>\r\n" +
        "Content-Length: 0\r\n\r\n";

    // the final reply (skipping a 100 Trying)
    private static SipMessage WaitFinal(TestUa ua)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var m = ua.Receive(TimeSpan.FromSeconds(2));
            if (m is not null && m.StatusCode >= 200) return m;
        }
        Assert.Fail("no final reply");
        return null!;
    }
}
