using Osprey.Modules.Registrar;

namespace Osprey.Modules.Tests.Registrar;

public class SaveTests
{
    [Fact]
    public void New_binding_is_stored_and_the_200_lists_it_with_its_expires()
    {
        using var f = new RegistrarFixture();
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7:40000>"], expires: 600)));
        var r = f.Sip.LastReply();
        Assert.Equal(200, r.StatusCode);
        Assert.Equal(["<sip:alice@192.0.2.7:40000>;expires=600"], f.Sip.ReplyHeaders("Contact"));
        Assert.Equal(1, f.Reg.AcceptedRegs);
        var date = Assert.Single(f.Sip.ReplyHeaders("Date"));
        Assert.EndsWith(" GMT", date, StringComparison.Ordinal);
        var snap = f.Ul.LookupAor("location", "alice");
        Assert.NotNull(snap);
        var c = Assert.Single(snap.Contacts);
        Assert.Equal("sip:alice@192.0.2.7:40000", c.Contact);
        Assert.Equal(f.Now + 600, c.Expires);
        Assert.Equal("reg-1@192.0.2.7", c.CallId);
        Assert.Equal("TestUA/1.0", c.UserAgent);
        Assert.Equal("udp:10.0.0.1:5060", c.Socket);
        Assert.StartsWith("uloc-", c.Ruid, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_updates_and_expires_zero_removes()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], cseq: 1, expires: 600));
        f.Now += 100;
        Assert.Equal(2, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], cseq: 2, expires: 900)));
        Assert.Equal(["<sip:alice@192.0.2.7>;expires=900"], f.Sip.ReplyHeaders("Contact"));
        Assert.Equal(1, f.Ul.Table("location").Contacts);

        Assert.Equal(3, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>;expires=0"], cseq: 3)));
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
        Assert.Empty(f.Sip.ReplyHeaders("Contact"));
        Assert.Null(f.Ul.LookupAor("location", "alice"));
        Assert.Equal(0, f.Ul.Table("location").Users);
    }

    [Fact]
    public void Refresh_with_a_new_call_id_takes_it_and_an_earlier_snapshot_keeps_the_old_one()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], callId: "first@x", cseq: 1, expires: 600));
        var before = Assert.Single(f.Ul.LookupAor("location", "alice")!.Contacts);
        Assert.Equal(2, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], callId: "a-longer-second-call-id@x", cseq: 1, expires: 600)));
        Assert.Equal(2, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], callId: "third@x", cseq: 1, expires: 600)));
        var after = Assert.Single(f.Ul.LookupAor("location", "alice")!.Contacts);
        Assert.Equal("third@x", after.CallId);
        Assert.Equal("first@x", before.CallId);
        // the same Call-ID with a lower CSeq is out of order (RFC 3261 §10.3 step 7)
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], callId: "third@x", cseq: 0, expires: 600));
        Assert.Equal(400, f.Sip.LastReply().StatusCode);
    }

    [Fact]
    public void Reply_lists_every_binding_of_the_aor_with_remaining_time()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>;q=0.5"], callId: "a@x", expires: 3600));
        f.Now += 1000;
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.2>;q=0.9"], callId: "b@x", expires: 1800));
        Assert.Equal(["<sip:bob@192.0.2.2>;expires=1800;q=0.9", "<sip:bob@192.0.2.1>;expires=2600;q=0.5"], f.Sip.ReplyHeaders("Contact"));
    }

    [Fact]
    public void Query_without_contact_returns_bindings_and_code_4()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>"], expires: 300));
        Assert.Equal(4, f.Save(SipHarness.Register("bob", [], callId: "q@x")));
        Assert.Equal(["<sip:bob@192.0.2.1>;expires=300"], f.Sip.ReplyHeaders("Contact"));
    }

    [Fact]
    public void Star_with_expires_zero_removes_all_and_star_otherwise_is_400()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("bob", ["<sip:bob@192.0.2.1>", "<sip:bob@192.0.2.2>"], callId: "a@x", cseq: 5, expires: 300));
        Assert.Equal(-1, f.Save(SipHarness.Register("bob", ["*"], callId: "b@x", cseq: 1, expires: 300)));
        Assert.Equal(400, f.Sip.LastReply().StatusCode);
        Assert.Equal(-1, f.Save(SipHarness.Register("bob", ["*", "<sip:bob@192.0.2.3>"], callId: "b@x", cseq: 2, expires: 0)));
        Assert.Equal(400, f.Sip.LastReply().StatusCode);
        Assert.Equal(2, f.Ul.Table("location").Contacts);

        Assert.Equal(3, f.Save(SipHarness.Register("bob", ["*"], callId: "b@x", cseq: 3, expires: 0)));
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
        Assert.Empty(f.Sip.ReplyHeaders("Contact"));
        Assert.Null(f.Ul.LookupAor("location", "bob"));
        Assert.Equal(2, f.Reg.RejectedRegs);
    }

    [Fact]
    public void Min_expires_mode_1_answers_423_with_min_expires()
    {
        using var f = new RegistrarFixture(reg: r => { r.MinExpires = 120; r.MinExpiresMode = 1; });
        Assert.Equal(-1, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], expires: 30)));
        Assert.Equal(423, f.Sip.LastReply().StatusCode);
        Assert.Equal(["120"], f.Sip.ReplyHeaders("Min-Expires"));
        Assert.Null(f.Ul.LookupAor("location", "alice"));
        // expires=0 is a removal, never too brief
        Assert.Equal(4, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>;expires=0"])));
    }

    [Fact]
    public void Min_expires_mode_0_raises_and_max_expires_caps()
    {
        using var f = new RegistrarFixture(reg: r => { r.MinExpires = 120; r.MaxExpires = 1000; });
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>;expires=30", "<sip:alice@192.0.2.8>;expires=99999"]));
        var c = f.Sip.ReplyHeaders("Contact");
        Assert.Contains("<sip:alice@192.0.2.7>;expires=120", c);
        Assert.Contains("<sip:alice@192.0.2.8>;expires=1000", c);
    }

    [Fact]
    public void Default_expires_applies_without_expires()
    {
        using var f = new RegistrarFixture(reg: r => r.DefaultExpires = 1234);
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"]));
        Assert.Equal(["<sip:alice@192.0.2.7>;expires=1234"], f.Sip.ReplyHeaders("Contact"));
    }

    [Fact]
    public void Max_contacts_refuses_with_503_and_minus_2_changing_nothing()
    {
        using var f = new RegistrarFixture(reg: r => { r.MaxContacts = 2; r.RetryAfter = 30; });
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>", "<sip:a@1.1.1.2>"], callId: "a@x")));
        Assert.Equal(-2, f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.3>"], callId: "b@x")));
        Assert.Equal(503, f.Sip.LastReply().StatusCode);
        Assert.Equal(["30"], f.Sip.ReplyHeaders("Retry-After"));
        Assert.Equal(2, f.Ul.LookupAor("location", "alice")!.Contacts.Count);
        // replacing one with another in one request stays within the limit
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>;expires=0", "<sip:a@1.1.1.3>"], callId: "b@x", cseq: 2)));
        Assert.Equal(2, f.Ul.LookupAor("location", "alice")!.Contacts.Count);
    }

    [Fact]
    public void Same_call_id_with_lower_cseq_is_refused()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], cseq: 10, expires: 600));
        Assert.Equal(-1, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], cseq: 9, expires: 0)));
        Assert.Equal(400, f.Sip.LastReply().StatusCode);
        Assert.NotNull(f.Ul.LookupAor("location", "alice"));
        // a retransmission (same CSeq) is answered again
        Assert.Equal(4, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7>"], cseq: 10, expires: 600)));
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
    }

    [Fact]
    public void Flag_0x04_keeps_one_contact_per_aor()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>", "<sip:a@1.1.1.2>"], callId: "a@x"));
        f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.3>"], callId: "b@x"), "0x04");
        var c = Assert.Single(f.Ul.LookupAor("location", "alice")!.Contacts);
        Assert.Equal("sip:a@1.1.1.3", c.Contact);
    }

    [Fact]
    public void Flag_0x02_holds_the_reply_until_reg_send_reply()
    {
        using var f = new RegistrarFixture();
        int sent = 0;
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"]), ctx =>
        {
            int r = f.Reg.Save(ctx, "location", "0x02");
            sent = f.Sip.Sent.Count;
            Assert.Equal(1, f.Reg.SendReply(ctx));
            return r;
        });
        Assert.Equal(0, sent);
        Assert.Equal(200, f.Sip.LastReply().StatusCode);
        Assert.Equal(["<sip:a@1.1.1.1>;expires=3600"], f.Sip.ReplyHeaders("Contact"));
    }

    [Fact]
    public void Aor_ignores_user_case_unless_case_sensitive_and_domain_with_use_domain()
    {
        using var f = new RegistrarFixture(ul: u => u.UseDomainParam = 1);
        f.Save(SipHarness.Register("Alice", ["<sip:a@1.1.1.1>"], domain: "Example.COM"));
        Assert.NotNull(f.Ul.LookupAor("location", "alice@example.com"));
        Assert.Equal(1, f.Lookup("sip:ALICE@example.com"));
        Assert.Equal(-1, f.Lookup("sip:alice@example.org"));
    }

    [Fact]
    public void Save_with_uri_argument_uses_it_as_the_aor()
    {
        using var f = new RegistrarFixture();
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"]), ctx => f.Reg.Save(ctx, "location", "0", "sip:other@example.com"));
        Assert.NotNull(f.Ul.LookupAor("location", "other"));
        Assert.Null(f.Ul.LookupAor("location", "alice"));
    }

    [Fact]
    public void Path_strict_needs_supported_path_and_is_echoed_and_used_by_lookup()
    {
        using var f = new RegistrarFixture(reg: r => r.UsePath = 1);
        string path = "Path: <sip:edge1.example.net;lr>\r\nPath: <sip:edge2.example.net;lr>\r\n";
        Assert.Equal(-1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>"], extra: path)));
        Assert.Equal(420, f.Sip.LastReply().StatusCode);
        Assert.Equal(["path"], f.Sip.ReplyHeaders("Unsupported"));

        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>"], extra: path + "Supported: path\r\n")));
        Assert.Equal(["<sip:edge1.example.net;lr>,<sip:edge2.example.net;lr>"], f.Sip.ReplyHeaders("Path"));
        Assert.Equal(1, f.Lookup("sip:alice@example.com"));
        Assert.Equal("sip:a@10.1.1.1", f.Sip.Ruri);
        Assert.Equal("sip:edge1.example.net;lr", f.Sip.Du);
        Assert.Equal("<sip:edge1.example.net;lr>,<sip:edge2.example.net;lr>", f.Sip.FirstPath);
    }

    [Fact]
    public void Path_mode_0_stores_without_echo()
    {
        using var f = new RegistrarFixture(reg: r => { r.UsePath = 1; r.PathMode = 0; });
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>"], extra: "Path: <sip:edge1.example.net;lr>\r\n")));
        Assert.Empty(f.Sip.ReplyHeaders("Path"));
        Assert.Equal("<sip:edge1.example.net;lr>", f.Ul.LookupAor("location", "alice")!.Contacts[0].Path);
    }

    [Fact]
    public void Received_is_stored_listed_and_becomes_the_destination()
    {
        using var f = new RegistrarFixture();
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@10.1.1.1:5060>"]), ctx =>
        {
            RegistrarModule.SetReceived(ctx, "sip:198.51.100.7:31000");
            return f.Reg.Save(ctx, "location");
        });
        Assert.Equal(["<sip:a@10.1.1.1:5060>;expires=3600;received=\"sip:198.51.100.7:31000\""], f.Sip.ReplyHeaders("Contact"));
        Assert.Equal(1, f.Lookup("sip:alice@example.com"));
        Assert.Equal("sip:a@10.1.1.1:5060", f.Sip.Ruri);
        Assert.Equal("sip:198.51.100.7:31000", f.Sip.Du);
    }

    [Fact]
    public void Received_avp_set_by_the_script_is_stored_and_becomes_the_destination()
    {
        using var f = new RegistrarFixture(reg: r => r.ReceivedAvp = "$avp(RECEIVED)");
        f.Sip.Run(SipHarness.Register("alice", ["<sip:a@10.1.1.1:5060>"]), ctx =>
        {
            ctx.Avps.Push("RECEIVED", Osprey.Core.Modules.PvValue.FromString("sip:198.51.100.9:32000"));
            return f.Reg.Save(ctx, "location");
        });
        Assert.Equal("sip:198.51.100.9:32000", f.Ul.LookupAor("location", "alice")!.Contacts[0].Received);
        Assert.Equal(1, f.Lookup("sip:alice@example.com"));
        Assert.Equal("sip:198.51.100.9:32000", f.Sip.Du);
    }

    [Fact]
    public void Bindings_with_the_same_user_agent_share_one_string()
    {
        using var f = new RegistrarFixture();
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>"], callId: "1@x")));
        Assert.Equal(1, f.Save(SipHarness.Register("bob", ["<sip:b@10.1.1.2>"], callId: "2@x")));
        var a = f.Ul.LookupAor("location", "alice")!.Contacts[0].UserAgent;
        var b = f.Ul.LookupAor("location", "bob")!.Contacts[0].UserAgent;
        Assert.Equal("TestUA/1.0", a);
        Assert.Same(a, b);
    }

    [Fact]
    public void Received_avp_that_names_no_avp_is_refused_at_start()
    {
        var reg = new RegistrarModule { Usrloc = new Osprey.Modules.Usrloc.UsrlocModule(), ReceivedAvp = "$avp($var(x))" };
        Assert.Contains("received_avp", reg.Init(), StringComparison.Ordinal);
    }

    [Fact]
    public void Outbound_flow_with_same_instance_and_reg_id_replaces_the_binding()
    {
        using var f = new RegistrarFixture(reg: r => r.OutboundMode = 1);
        const string inst = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1:5060;ob>;" + inst + ";reg-id=1"], callId: "c1@x", extra: "Supported: outbound\r\n")));
        Assert.Equal(["outbound"], f.Sip.ReplyHeaders("Require"));
        // same flow from a new address (new Call-ID): the binding is replaced, not added (RFC 5626 §6)
        Assert.Equal(2, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.2:5060;ob>;" + inst + ";reg-id=1"], callId: "c2@x", extra: "Supported: outbound\r\n")));
        var c = Assert.Single(f.Ul.LookupAor("location", "alice")!.Contacts);
        Assert.Equal("sip:a@10.1.1.2:5060;ob", c.Contact);
        Assert.Equal("urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF", c.Instance);
        Assert.Equal(1, c.RegId);
        // a second flow (reg-id 2) is a second binding
        Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.3:5060;ob>;" + inst + ";reg-id=2"], callId: "c3@x", extra: "Supported: outbound\r\n")));
        Assert.Equal(2, f.Ul.LookupAor("location", "alice")!.Contacts.Count);
    }

    [Fact]
    public void Outbound_mode_2_requires_outbound_support()
    {
        using var f = new RegistrarFixture(reg: r => r.OutboundMode = 2);
        Assert.Equal(-1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>"])));
        Assert.Equal(421, f.Sip.LastReply().StatusCode);
    }

    [Fact]
    public void Gruu_pub_gruu_in_reply_and_lookup_by_gr_selects_the_instance()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>;+sip.instance=\"<urn:uuid:1111>\""], callId: "c1@x", extra: "Supported: gruu\r\n"));
        f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.2>;q=1.0;+sip.instance=\"<urn:uuid:2222>\""], callId: "c2@x", extra: "Supported: gruu\r\n"));
        var contacts = f.Sip.ReplyHeaders("Contact");
        Assert.Contains(contacts, c => c.StartsWith("<sip:a@10.1.1.1>", StringComparison.Ordinal) && c.Contains("pub-gruu=\"sip:alice@example.com;gr=urn:uuid:1111\"", StringComparison.Ordinal));
        Assert.Equal(1, f.Lookup("sip:alice@example.com;gr=urn:uuid:1111"));
        Assert.Equal("sip:a@10.1.1.1", f.Sip.Ruri);
        Assert.Empty(f.Sip.Branches);
    }

    [Fact]
    public void Bad_q_is_400()
    {
        using var f = new RegistrarFixture();
        Assert.Equal(-1, f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>;q=2"])));
        Assert.Equal(400, f.Sip.LastReply().StatusCode);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1000)]
    [InlineData("1.000", 1000)]
    [InlineData("0.5", 500)]
    [InlineData("0.123", 123)]
    [InlineData("0.07", 70)]
    public void Q_values_parse_as_thousandths(string text, int q)
    {
        Assert.True(Aor.TryParseQ(System.Text.Encoding.ASCII.GetBytes(text), out var v));
        Assert.Equal(q, v);
    }

    [Fact]
    public void Expires_range_spreads_refreshes_unless_flag_0x08()
    {
        using var f = new RegistrarFixture(reg: r => { r.ExpiresRange = 50; r.DefaultExpiresRange = 10; });
        var seen = new HashSet<long>();
        for (int i = 0; i < 40; i++)
        {
            f.Save(SipHarness.Register("u" + i, ["<sip:u@1.1.1.1>"], expires: 1000));
            long e = f.Ul.LookupAor("location", "u" + i)!.Contacts[0].Expires - f.Now;
            Assert.InRange(e, 500, 1000);
            seen.Add(e);
        }
        Assert.True(seen.Count > 5);
        f.Save(SipHarness.Register("d", ["<sip:d@1.1.1.1>"]));
        Assert.InRange(f.Ul.LookupAor("location", "d")!.Contacts[0].Expires - f.Now, 3240, 3600);
        f.Save(SipHarness.Register("x", ["<sip:x@1.1.1.1>"], expires: 1000), "0x08");
        Assert.Equal(1000, f.Ul.LookupAor("location", "x")!.Contacts[0].Expires - f.Now);
    }

    [Fact]
    public void Realm_prefix_is_ignored_in_the_aor_domain()
    {
        using var f = new RegistrarFixture(ul: u => u.UseDomainParam = 1, reg: r => r.RealmPrefix = "sip.");
        f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], domain: "sip.example.com"));
        Assert.NotNull(f.Ul.LookupAor("location", "alice@example.com"));
        Assert.Equal(1, f.Lookup("sip:alice@example.com"));
    }

    [Fact]
    public void Temp_gruu_changes_per_registration_and_every_one_resolves_to_the_instance()
    {
        using var f = new RegistrarFixture();
        string TempGruuOf(string contactPrefix)
        {
            var c = f.Sip.ReplyHeaders("Contact").Find(h => h.StartsWith(contactPrefix, StringComparison.Ordinal))!;
            int i = c.IndexOf("temp-gruu=\"", StringComparison.Ordinal) + 11;
            return c[i..c.IndexOf('"', i)];
        }
        f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>;+sip.instance=\"<urn:uuid:1111>\""], callId: "c1@x", cseq: 1, extra: "Supported: gruu\r\n"));
        f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.2>;q=1;+sip.instance=\"<urn:uuid:2222>\""], callId: "c2@x", extra: "Supported: gruu\r\n"));
        string t1 = TempGruuOf("<sip:a@10.1.1.1>");
        Assert.StartsWith("sip:tgruu.", t1, StringComparison.Ordinal);
        Assert.EndsWith("@example.com;gr", t1, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", t1, StringComparison.Ordinal);
        f.Save(SipHarness.Register("alice", ["<sip:a@10.1.1.1>;+sip.instance=\"<urn:uuid:1111>\""], callId: "c1@x", cseq: 2, extra: "Supported: gruu\r\n"));
        string t2 = TempGruuOf("<sip:a@10.1.1.1>");
        Assert.NotEqual(t1, t2);
        foreach (var t in new[] { t1, t2 })
        {
            Assert.Equal(1, f.Lookup(t));
            Assert.Equal("sip:a@10.1.1.1", f.Sip.Ruri);
            Assert.Empty(f.Sip.Branches);
        }
        var forged = t1.Replace("tgruu.", "tgruu.A", StringComparison.Ordinal);
        Assert.Equal(-1, f.Lookup(forged));
    }
}
