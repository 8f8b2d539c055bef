using Osprey.Data;
using Osprey.Data.Schema;
using Osprey.Modules.AliasDb;
using Osprey.Modules.Domain;
using Osprey.Modules.Permissions;

namespace Osprey.Modules.Tests.Domain;

/// <summary>domain, permissions (address) and alias_db against a SQLite file.</summary>
public sealed class LocalTablesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "osprey-dom-" + Guid.NewGuid().ToString("N"));
    private readonly string _url;
    private readonly SipHarness _sip = new();

    public LocalTablesTests()
    {
        Directory.CreateDirectory(_dir);
        _url = "sqlite://" + Path.Combine(_dir, "k.db");
        Assert.True(Database.TryOpen(_url, out var db, out _));
        using (db)
        {
            new SchemaCreator(db).Create();
            db.Insert("domain", [new("domain", "example.com"), new("did", "d1")]);
            db.Insert("domain", [new("domain", "Sip.Example.NET"), new("did", null)]);
            db.Insert("address", [new("grp", 1), new("ip_addr", "192.0.2.0"), new("mask", 24), new("port", 0), new("tag", "lan")]);
            db.Insert("address", [new("grp", 2), new("ip_addr", "198.51.100.7"), new("mask", 32), new("port", 5060), new("tag", null)]);
            db.Insert("address", [new("grp", 3), new("ip_addr", "2001:db8::"), new("mask", 32), new("port", 0), new("tag", null)]);
            db.Insert("address", [new("grp", 4), new("ip_addr", "gw.example.org"), new("mask", 32), new("port", 0), new("tag", null)]);
            db.Insert("dbaliases", [new("alias_username", "sales"), new("alias_domain", "example.com"), new("username", "alice"), new("domain", "example.com")]);
            db.Insert("dbaliases", [new("alias_username", "sales"), new("alias_domain", "example.com"), new("username", "bob"), new("domain", "example.com")]);
            db.Insert("dbaliases", [new("alias_username", "help"), new("alias_domain", "other.org"), new("username", "carol"), new("domain", "example.com")]);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void Domain_functions_and_reload()
    {
        using var d = new DomainModule { DbUrl = _url, Server = _sip.Server };
        Assert.Null(d.Init());
        Assert.Equal(2, d.Count);
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:bob@EXAMPLE.com"), ctx => d.IsUriHostLocal(ctx)));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:bob@example.org"), ctx => d.IsUriHostLocal(ctx)));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:bob@example.com"), ctx => d.IsFromLocal(ctx))); // From is carol@example.org
        Assert.Equal(1, _sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"]), ctx => d.IsFromLocal(ctx)));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => d.IsDomainLocal(ctx, "sip.example.net")));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:bob@example.org"), ctx =>
        {
            ctx.NewRequestUri = "sip:bob@example.com";
            return d.IsUriHostLocal(ctx);
        }));

        Assert.True(Database.TryOpen(_url, out var db, out _));
        using (db) db.Insert("domain", [new("domain", "new.example"), new("did", null)]);
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => d.IsDomainLocal(ctx, "new.example")));
        Assert.True(d.Reload().IsOk);
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => d.IsDomainLocal(ctx, "new.example")));
        Assert.Equal("d1", d.Dump()["example.com"]);
    }

    [Fact]
    public void Register_myself_makes_the_tables_domains_myself_on_any_port()
    {
        var host = "example.com"u8.ToArray();
        Assert.False(_sip.Server.Myself.IsMyself(host, 0));
        using (var plain = new DomainModule { DbUrl = _url, Server = _sip.Server })
        {
            Assert.Null(plain.Init());
            Assert.False(_sip.Server.Myself.IsMyself(host, 0)); // only with register_myself
        }
        using var d = new DomainModule { DbUrl = _url, Server = _sip.Server, RegisterMyself = 1 };
        Assert.Null(d.Init());
        Assert.True(_sip.Server.Myself.IsMyself("EXAMPLE.com"u8, 5080));
        Assert.True(_sip.Server.Myself.IsMyself("sip.example.net"u8, 0));
        Assert.False(_sip.Server.Myself.IsMyself("example.org"u8, 0));
        Assert.True(_sip.Server.Myself.IsMyHost(host));
    }

    [Fact]
    public void Load_backends_without_the_address_bit_loads_no_addresses()
    {
        using var p = new PermissionsModule { DbUrl = _url, Server = _sip.Server, LoadBackends = 2 };
        Assert.Null(p.Init());
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddress(ctx), from: "192.0.2.77:5060"));
        Assert.False(p.AddressReload().IsOk);
    }

    [Fact]
    public void Permissions_address_matching()
    {
        using var p = new PermissionsModule { DbUrl = _url, Server = _sip.Server };
        Assert.Null(p.Init());
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddress(ctx), from: "192.0.2.77:5060"));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddress(ctx), from: "192.0.3.1:5060"));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddress(ctx, 2), from: "198.51.100.7:5070"));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddress(ctx, 2), from: "198.51.100.7:5060"));
        Assert.Equal(2, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddressGroup(ctx), from: "198.51.100.7:5060"));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowSourceAddressGroup(ctx), from: "203.0.113.1:5060"));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowAddress(ctx, 3, "2001:db8:1::5", 5060)));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowAddress(ctx, 4, "gw.example.org", 5060)));
        Assert.Equal(3, _sip.Run(SipHarness.Invite("sip:x@y"), ctx => p.AllowAddressGroup(ctx, "2001:db8::1", 1)));
        Assert.Equal(4, p.AddressDump().Count);
    }

    [Fact]
    public void Alias_db_lookup_rewrites_the_request_uri()
    {
        using var a = new AliasDbModule { DbUrl = _url, Server = _sip.Server, UseDomain = 1, AppendBranches = 1 };
        Assert.Null(a.Init());
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:sales@example.com"), ctx => a.Lookup(ctx, "dbaliases")));
        Assert.Equal("sip:alice@example.com", _sip.Ruri);
        Assert.Equal(["sip:bob@example.com"], _sip.Branches.ConvertAll(b => b.Uri));
        Assert.Equal(-1, _sip.Run(SipHarness.Invite("sip:help@example.com"), ctx => a.Lookup(ctx, "dbaliases")));
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:help@example.com"), ctx => a.Lookup(ctx, "dbaliases", "d")));
        Assert.Equal("sip:carol@example.com", _sip.Ruri);
        Assert.Equal(1, _sip.Run(SipHarness.Invite("sip:carol@example.com"), ctx => a.Lookup(ctx, "dbaliases", "r")));
        Assert.Equal("sip:help@other.org", _sip.Ruri);
    }
}
