using Osprey.Core.Modules;

namespace Osprey.Modules.Tests.Registrar;

public class LookupTests
{
    [Fact]
    public void Lookup_sets_ruri_to_highest_q_and_appends_the_rest_as_branches()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=0.1", "<sip:bob@192.0.2.2>;q=0.9", "<sip:bob@192.0.2.3>;q=0.5"]));
        Assert.Equal(1, f.Lookup("sip:bob@example.com"));
        Assert.Equal("sip:bob@192.0.2.2", f.Sip.Ruri);
        Assert.Null(f.Sip.Du);
        Assert.Equal(["sip:bob@192.0.2.3", "sip:bob@192.0.2.1"], f.Sip.Branches.ConvertAll(b => b.Uri));
    }

    [Fact]
    public void Append_branches_0_sets_only_the_ruri()
    {
        using var f = new RegistrarFixture(reg: r => r.AppendBranches = 0);
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=0.1", "<sip:bob@192.0.2.2>;q=0.9"]));
        Assert.Equal(1, f.Lookup("sip:bob@example.com"));
        Assert.Equal("sip:bob@192.0.2.2", f.Sip.Ruri);
        Assert.Empty(f.Sip.Branches);
    }

    [Fact]
    public void Desc_time_order_prefers_the_newest()
    {
        using var f = new RegistrarFixture(ul: u => u.DescTimeOrderParam = 1);
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=1"], callId: "a@x"));
        f.Now += 10;
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.2>;q=0.1"], callId: "b@x"));
        Assert.Equal(1, f.Lookup("sip:bob@example.com"));
        Assert.Equal("sip:bob@192.0.2.2", f.Sip.Ruri);
    }

    [Fact]
    public void Unknown_or_expired_aor_is_minus_1()
    {
        using var f = new RegistrarFixture();
        Assert.Equal(-1, f.Lookup("sip:nobody@example.com"));
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>"], expires: 60));
        f.Now += 61; // expired though the timer has not run yet
        Assert.Equal(-1, f.Lookup("sip:bob@example.com"));
        Assert.Null(f.Sip.Ruri);
    }

    [Fact]
    public void Lookup_to_dset_leaves_the_ruri_and_adds_every_binding()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>", "<sip:bob@192.0.2.2>"]));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:bob@example.com"), ctx => f.Reg.LookupToDset(ctx, "location")));
        Assert.Null(f.Sip.Ruri);
        Assert.Equal(2, f.Sip.Branches.Count);
    }

    [Fact]
    public void Lookup_with_uri_argument()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>"]));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:someone@example.com"), ctx => f.Reg.Lookup(ctx, "location", "sip:bob@example.com")));
        Assert.Equal("sip:bob@192.0.2.1", f.Sip.Ruri);
    }

    [Fact]
    public void Lookup_branches_resolves_ruri_and_plain_branches()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>"], callId: "b@x"));
        f.Save(SipHarness.Register("carol", ["<sip:carol@192.0.2.5>"], callId: "c@x"));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:bob@example.com"), ctx =>
        {
            ctx.Branches.Add("sip:carol@example.com");
            return f.Reg.LookupBranches(ctx, "location");
        }));
        Assert.Equal("sip:bob@192.0.2.1", f.Sip.Ruri);
        Assert.Equal(["sip:carol@192.0.2.5"], f.Sip.Branches.ConvertAll(b => b.Uri));
    }

    [Fact]
    public void Registered_and_unregister()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>", "<sip:bob@192.0.2.2>"]));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:bob@example.com"), ctx => f.Reg.Registered(ctx, "location")));
        Assert.Equal(-1, f.Sip.Run(SipHarness.Invite("sip:eve@example.com"), ctx => f.Reg.Registered(ctx, "location")));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.Reg.Registered(ctx, "location", "sip:bob@example.com")));

        string ruid = f.Ul.LookupAor("location", "bob")!.Contacts[0].Ruid;
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.Reg.Unregister(ctx, "location", "sip:bob@example.com", ruid)));
        Assert.Single(f.Ul.LookupAor("location", "bob")!.Contacts);
        Assert.Equal(-3, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.Reg.Unregister(ctx, "location", "sip:bob@example.com", "nope")));
        Assert.Equal(1, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.Reg.Unregister(ctx, "location", "sip:bob@example.com")));
        Assert.Null(f.Ul.LookupAor("location", "bob"));
        Assert.Equal(-3, f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx => f.Reg.Unregister(ctx, "location", "sip:bob@example.com")));
    }

    [Fact]
    public void Reg_fetch_contacts_fills_ulc_and_reg_free_contacts_clears_it()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=0.2", "<sip:bob@192.0.2.2>;q=0.8"], expires: 500));
        var got = new List<PvValue>();
        f.Sip.Run(SipHarness.Invite("sip:x@example.com"), ctx =>
        {
            int r = f.Reg.FetchContacts(ctx, "location", "sip:bob@example.com", "callee");
            got.Add(f.Reg.GetUlc(ctx, "callee=>count"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>addr"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>addr[1]"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>q[1]"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>expires"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>aor"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>callid"));
            f.Reg.FreeContacts(ctx, "callee");
            got.Add(f.Reg.GetUlc(ctx, "callee=>count"));
            got.Add(f.Reg.GetUlc(ctx, "callee=>addr"));
            return r;
        });
        Assert.Equal(1, f.Sip.Ret);
        Assert.Equal(PvValue.FromInt(2), got[0]);
        Assert.Equal(PvValue.FromString("sip:bob@192.0.2.2"), got[1]);
        Assert.Equal(PvValue.FromString("sip:bob@192.0.2.1"), got[2]);
        Assert.Equal(PvValue.FromInt(200), got[3]);
        Assert.Equal(PvValue.FromInt(500), got[4]);
        Assert.Equal(PvValue.FromString("bob"), got[5]);
        Assert.Equal(PvValue.FromString("reg-1@192.0.2.7"), got[6]);
        Assert.Equal(PvValue.FromInt(0), got[7]);
        Assert.True(got[8].IsNull);
    }

    [Fact]
    public void Method_filtering_skips_contacts_that_do_not_accept_the_method()
    {
        using var f = new RegistrarFixture(reg: r => r.MethodFiltering = 1);
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=0.9;methods=\"MESSAGE,OPTIONS\""], callId: "a@x"));
        Assert.Equal(256 | 512, f.Ul.LookupAor("location", "bob")!.Contacts[0].Methods);
        Assert.Equal(-2, f.Lookup("sip:bob@example.com"));
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.2>;q=0.1"], callId: "b@x", extra: "Allow: INVITE, ACK, BYE, CANCEL\r\n"));
        Assert.Equal(1, f.Lookup("sip:bob@example.com"));
        Assert.Equal("sip:bob@192.0.2.2", f.Sip.Ruri);
        Assert.Empty(f.Sip.Branches);
    }

    [Fact]
    public void Lookup_sends_from_the_socket_the_register_came_in_on()
    {
        using var f = new RegistrarFixture();
        f.Sip.Run(SipHarness.Register("bob", ["<sip:bob@192.0.2.1;transport=tcp>"]), ctx => f.Reg.Save(ctx, "location"), protocol: Osprey.Transport.SipProtocol.Tcp);
        Assert.Equal("tcp:10.0.0.1:5060", f.Ul.LookupAor("location", "bob")!.Contacts[0].Socket);
        Assert.Equal(7, f.Ul.LookupAor("location", "bob")!.Contacts[0].ConnectionId);
        Assert.Equal(1, f.Lookup("sip:bob@example.com"));
        Assert.Same(f.Sip.Tcp, f.Sip.SendSocket);
    }
}
