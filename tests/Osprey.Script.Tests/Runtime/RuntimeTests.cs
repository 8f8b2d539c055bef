using System.Text;
using Osprey.Core.Modules;

namespace Osprey.Script.Tests.Runtime;

/// <summary>Pseudo-variables, transformations, operators, statements and core functions, each observed
/// through xlog output or what the pipeline sends.</summary>
public sealed class RuntimeTests
{
    private const string Head = "loadmodule \"pv\"\nloadmodule \"xlog\"\nloadmodule \"kex\"\nloadmodule \"corex\"\n";

    private static string[] Run(string body, string? message = null, string from = "127.0.0.1:27462")
    {
        using var h = ScriptHarness.Ok(Head + body);
        return h.Run(message ?? ScriptHarness.Request(), from);
    }

    private static string One(string expr, string? message = null, string extra = "") =>
        Assert.Single(Run("request_route {\n" + extra + "  xlog(\"L_ERR\", \"" + expr + "\");\n}\n", message));

    [Theory]
    [InlineData("$ru", "sip:bob@127.0.0.1:5060")]
    [InlineData("$rU", "bob")]
    [InlineData("$rd", "127.0.0.1")]
    [InlineData("$rp", "5060")]
    [InlineData("$rz", "sip")]
    [InlineData("$rm", "OPTIONS")]
    [InlineData("$ci", "abcdef@h")]
    [InlineData("$fu", "sip:alice@example.com")]
    [InlineData("$fU", "alice")]
    [InlineData("$fd", "example.com")]
    [InlineData("$ft", "ftag1")]
    [InlineData("$tu", "sip:bob@example.com")]
    [InlineData("$tU", "bob")]
    [InlineData("$td", "example.com")]
    [InlineData("$tt", "<null>")]
    [InlineData("$si", "127.0.0.1")]
    [InlineData("$sp", "27462")]
    [InlineData("$su", "sip:127.0.0.1:27462")]
    [InlineData("$Ri", "127.0.0.1")]
    [InlineData("$Rp", "5060")]
    [InlineData("$pr", "udp")]
    [InlineData("$proto", "udp")]
    [InlineData("$cs", "1")]
    [InlineData("$ua", "tester/1.0")]
    [InlineData("$cT", "text/plain")]
    [InlineData("$cl", "5")]
    [InlineData("$rb", "hello")]
    [InlineData("$ml", "377")]
    [InlineData("$mt", "1")]
    [InlineData("$rs", "<null>")]
    [InlineData("$hdr(X-Multi)", "one")]
    [InlineData("$(hdr(X-Multi)[1])", "two")]
    [InlineData("$(hdr(X-Multi)[-1])", "two")]
    [InlineData("$(hdr(X-Multi)[*])", "one,two")]
    [InlineData("$hdrc(X-Multi)", "2")]
    [InlineData("$hdr(user-agent)", "tester/1.0")]
    [InlineData("$du", "<null>")]
    [InlineData("$cfg(line)", "6")]
    [InlineData("$rc", "0")]
    [InlineData("$null", "<null>")]
    [InlineData("$ai", "sip:ident@example.com")]
    [InlineData("$fn", "\"Alice\"")]
    public void Message_pseudo_variables(string pv, string expected)
    {
        var msg = ScriptHarness.Request(extra: "User-Agent: tester/1.0\r\nX-Multi: one\r\nX-Multi: two\r\nContent-Type: text/plain\r\nP-Asserted-Identity: <sip:ident@example.com>\r\n", body: "hello")
            .Replace("From: <sip:alice", "From: \"Alice\" <sip:alice", StringComparison.Ordinal);
        Assert.Equal(expected, One(pv, msg));
    }

    [Fact]
    public void Reply_pseudo_variables_in_reply_route()
    {
        using var h = ScriptHarness.Ok(Head + "reply_route {\n  xlog(\"L_ERR\", \"[$rs] [$rr] [$rm] [$mt] [$ru]\");\n  drop;\n}\n");
        var reply = "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";
        Assert.Equal(["[486] [Busy Here] [INVITE] [2] [<null>]"], h.Run(reply));
        Assert.Empty(h.Sender.Sent); // dropped in reply_route: not forwarded
    }

    [Fact]
    public void Writable_uri_pseudo_variables_and_rewrite_family()
    {
        var lines = Run("""
request_route {
  $rU = "carol"; xlog("L_ERR", "1 $ru");
  $rd = "10.1.1.1"; xlog("L_ERR", "2 $ru");
  $rp = 5080; xlog("L_ERR", "3 $ru");
  rewriteuser("dave"); xlog("L_ERR", "4 $ru");
  rewritehostport("h.example:7000"); xlog("L_ERR", "5 $ru");
  prefix("00"); xlog("L_ERR", "6 $rU");
  strip(1); xlog("L_ERR", "7 $rU");
  strip_tail(2); xlog("L_ERR", "8 $rU");
  seturi("sip:x@y.z;transport=tcp"); xlog("L_ERR", "9 $ru $rP");
  revert_uri(); xlog("L_ERR", "10 $ru");
  rewritehost("other.example"); xlog("L_ERR", "11 $ru $ou");
}
""");
        Assert.Equal([
            "1 sip:carol@127.0.0.1:5060", "2 sip:carol@10.1.1.1:5060", "3 sip:carol@10.1.1.1:5080", "4 sip:dave@10.1.1.1:5080",
            "5 sip:dave@h.example:7000", "6 00dave", "7 0dave", "8 0da", "9 sip:x@y.z;transport=tcp tcp", "10 sip:bob@127.0.0.1:5060",
            "11 sip:bob@other.example:5060 sip:bob@127.0.0.1:5060",
        ], lines);
    }

    [Fact]
    public void From_and_to_writes_edit_the_forwarded_message()
    {
        using var h = ScriptHarness.Ok(Head + "request_route {\n  $fU = \"mallory\";\n  $td = \"to.example\";\n  $du = \"sip:127.0.0.1:5999\";\n  forward();\n}\n");
        h.Run(ScriptHarness.Request(method: "MESSAGE"));
        var sent = h.Sender.Last();
        Assert.Equal("sip:mallory@example.com", Encoding.UTF8.GetString(sent.From.UriText));
        Assert.Equal("sip:bob@to.example", Encoding.UTF8.GetString(sent.To.UriText));
        Assert.Equal(5999, h.Sender.Sent[^1].To.Port);
    }

    [Theory]
    [InlineData("$(rU{s.len})", "3")]
    [InlineData("$(fu{s.toupper})", "SIP:ALICE@EXAMPLE.COM")]
    [InlineData("$(var(t){s.tolower})", " mixed case ")]
    [InlineData("$(var(t){s.trim})", "MiXeD CaSe")]
    [InlineData("$(var(t){s.substr,1,5})", "MiXeD")]
    [InlineData("$(var(t){s.substr,-5,0})", "CaSe ")]
    [InlineData("$(var(t){s.strip,2})", "iXeD CaSe ")]
    [InlineData("$(var(t){s.striptail,2})", " MiXeD CaS")]
    [InlineData("$(var(c){s.select,1,,})", "b")]
    [InlineData("$(var(c){s.select,-1,,})", "c")]
    [InlineData("$(var(c){s.int})", "0")]
    [InlineData("$(var(n){s.int})", "42")]
    [InlineData("$(var(c){s.md5})", "a44c56c8177e32d3613988f4dba7962e")]
    [InlineData("$(var(c){s.encode.hexa})", "612c622c63")]
    [InlineData("$(var(c){s.encode.base64})", "YSxiLGM=")]
    [InlineData("$(var(c){s.replace,\\,,;})", "a;b;c")]
    [InlineData("$(var(c){s.rm,\\,})", "abc")]
    [InlineData("$(var(u){uri.user})", "u1")]
    [InlineData("$(var(u){uri.host})", "h.example")]
    [InlineData("$(var(u){uri.port})", "5070")]
    [InlineData("$(var(u){uri.params})", "transport=tcp;lr")]
    [InlineData("$(var(u){uri.param,transport})", "tcp")]
    [InlineData("$(var(u){uri.transport})", "tcp")]
    [InlineData("$(var(u){uri.lr})", "lr")]
    [InlineData("$(var(u){uri.scheme})", "sips")]
    [InlineData("$(var(p){param.value,b})", "2")]
    [InlineData("$(var(p){param.name,2})", "c")]
    [InlineData("$(var(p){param.valueat,0})", "1")]
    [InlineData("$(var(p){param.count})", "3")]
    [InlineData("$(var(p){param.in,c})", "1")]
    [InlineData("$(var(na){nameaddr.name})", "\"Bob B\" ")]
    [InlineData("$(var(na){nameaddr.uri})", "sip:bob@b.example")]
    [InlineData("$(var(na){tobody.tag})", "t9")]
    [InlineData("$(var(na){tobody.user})", "bob")]
    [InlineData("$(var(na){tobody.host})", "b.example")]
    [InlineData("$(var(na){tobody.params})", "tag=t9")]
    [InlineData("$(var(l){line.count})", "3")]
    [InlineData("$(var(l){line.at,1})", "second")]
    [InlineData("$(var(l){line.sw,th})", "third")]
    [InlineData("$(rU{s.len}{s.len})", "1")]
    public void Transformations(string expr, string expected)
    {
        const string setup = """
  $var(t) = " MiXeD CaSe ";
  $var(c) = "a,b,c";
  $var(n) = "42";
  $var(u) = "sips:u1@h.example:5070;transport=tcp;lr";
  $var(p) = "a=1;b=2;c";
  $var(na) = "\"Bob B\" <sip:bob@b.example>;tag=t9";
  $var(l) = "first\nsecond\nthird\n";

""";
        Assert.Equal(expected, One(expr, extra: setup));
    }

    [Fact]
    public void Avp_stack_xavp_and_shared_variables()
    {
        var lines = Run("""
request_route {
  $avp(a) = 1; $avp(a) = 2;
  $(avp(a)[1]) = 10;
  xlog("L_ERR", "1 $avp(a) $(avp(a)[1])");
  $avp(s:b) = "x"; xlog("L_ERR", "2 $avp(b)");
  $(avp(a)[*]) = $null; xlog("L_ERR", "3 $avp(a)");
  $xavp(c=>n) = "v1"; $xavp(c[0]=>m) = 5;
  xlog("L_ERR", "4 $xavp(c=>n) $xavp(c=>m)");
  $xavp(c=>n) = $null; xlog("L_ERR", "5 $xavp(c=>n) $xavp(c=>m)");
  $shv(counter) = 7; xlog("L_ERR", "6 $shv(counter)");
  if (pv_isset("$avp(b)")) { xlog("L_ERR", "7 set"); }
  pv_unset("$avp(b)");
  if (!pv_isset("$avp(b)")) { xlog("L_ERR", "8 unset"); }
  pv_printf("$var(pp)", "from $fU");
  xlog("L_ERR", "9 $var(pp)");
}
""");
        Assert.Equal(["1 2 10", "2 x", "3 <null>", "4 v1 5", "5 <null> 5", "6 7", "7 set", "8 unset", "9 from alice"], lines);
    }

    [Fact]
    public void Var_keeps_its_value_between_messages_on_a_thread_and_avps_do_not()
    {
        using var h = ScriptHarness.Ok(Head + "request_route {\n  $var(n) = $var(n) + 1;\n  xlog(\"L_ERR\", \"$var(n) $avp(x)\");\n  $avp(x) = 1;\n}\n");
        Assert.Equal(["1 <null>"], h.Run(ScriptHarness.Request()));
        Assert.Equal(["2 <null>"], h.Run(ScriptHarness.Request()));
    }

    [Fact]
    public void Flags_branch_flags_branches_and_destination()
    {
        var lines = Run("""
request_route {
  setflag(1); setflag(5); resetflag(1);
  xlog("L_ERR", "1 $mf");
  if (isflagset(5) && !isflagset(1)) { xlog("L_ERR", "2 ok"); }
  setbflag(3); xlog("L_ERR", "3 $bf");
  resetbflag(3); if (!isbflagset(3)) { xlog("L_ERR", "4 ok"); }
  append_branch("sip:b1@example.com");
  append_branch();
  xlog("L_ERR", "5 $br");
  setbflag(2, 1); if (isbflagset(2, 1)) { xlog("L_ERR", "6 ok"); }
  if (!isdsturiset()) { xlog("L_ERR", "7 nodst"); }
  setdsturi("sip:1.2.3.4"); xlog("L_ERR", "8 $du");
  resetdsturi(); xlog("L_ERR", "9 $du");
  if (is_myself("sip:127.0.0.1:5060")) { xlog("L_ERR", "10 me"); }
  if (!is_myself("sip:example.org")) { xlog("L_ERR", "11 not me"); }
  force_rport(); set_reply_no_connect(); set_reply_close(); set_forward_no_connect(); add_local_rport();
  set_advertised_address("adv.example"); set_advertised_port(5099);
  force_send_socket(udp:127.0.0.1:5060);
  xlog("L_ERR", "12 $fs");
  log(-1, "core log $ru\n");
}
""");
        Assert.Equal(["1 32", "2 ok", "3 8", "4 ok", "5 sip:b1@example.com", "6 ok", "7 nodst", "8 sip:1.2.3.4", "9 <null>", "10 me", "11 not me",
            "12 udp:127.0.0.1:5060", "core log $ru"], lines);
    }

    [Fact]
    public void Keyword_conditions()
    {
        var lines = Run("""
request_route {
  if (method == "options") { xlog("L_ERR", "1 method ci"); }
  if (method == OPTIONS) { xlog("L_ERR", "2 bare word"); }
  if (method =~ "^OPT") { xlog("L_ERR", "3 method re"); }
  if (uri == myself) { xlog("L_ERR", "4 uri myself"); }
  if (myself == uri) { xlog("L_ERR", "5 myself uri"); }
  if (from_uri != myself) { xlog("L_ERR", "6 from not me"); }
  if (src_ip == 127.0.0.1) { xlog("L_ERR", "7 src ip"); }
  if (src_ip == 127.0.0.0/8 && !(src_ip == 10.0.0.0/8)) { xlog("L_ERR", "8 src net"); }
  if (src_ip == myself) { xlog("L_ERR", "9 src myself"); }
  if (src_port == 27462 && dst_port == 5060) { xlog("L_ERR", "10 ports"); }
  if (proto == UDP && proto != TCP) { xlog("L_ERR", "11 proto"); }
  if (af == INET) { xlog("L_ERR", "12 af"); }
  if (msg:len < max_len) { xlog("L_ERR", "13 len"); }
  if (uri =~ "BOB@") { xlog("L_ERR", "14 uri re ci"); }
  if (uri == "SIP:BOB@127.0.0.1:5060") { xlog("L_ERR", "15 uri ci"); }
  if ($fd == myself) { xlog("L_ERR", "never"); } else { xlog("L_ERR", "16 fd not me"); }
  if (dst_ip == 127.0.0.1) { xlog("L_ERR", "17 dst ip"); }
  if (selval($rU == "bob", 1, 0)) { xlog("L_ERR", "18 selval"); }
}
""");
        Assert.Equal(["1 method ci", "2 bare word", "3 method re", "4 uri myself", "5 myself uri", "6 from not me", "7 src ip", "8 src net", "9 src myself",
            "10 ports", "11 proto", "12 af", "13 len", "14 uri re ci", "15 uri ci", "16 fd not me", "17 dst ip", "18 selval"], lines);
    }

    /// <summary>Checked against Kamailio 5.6: "runaway while ... more then 100 loops" leaves the loop with
    /// $var(i) = 100, and return 0 in a sub-route ends the script.</summary>
    [Fact]
    public void Drop_exit_and_return_end_routes_as_in_Kamailio()
    {
        var lines = Run("""
route[ZERO] { xlog("L_ERR", "in zero"); return 0; }
route[NEG] { return -1; }
request_route {
  route(NEG); xlog("L_ERR", "1 rc=$rc");
  if (route(NEG)) { xlog("L_ERR", "never"); } else { xlog("L_ERR", "2 false"); }
  $var(i) = 0;
  while (1) { $var(i) = $var(i) + 1; if ($var(i) > 200) { break; } }
  xlog("L_ERR", "3 loops capped at $var(i)");
  route(ZERO);
  xlog("L_ERR", "never");
}
""");
        Assert.Equal(["1 rc=-1", "2 false", "3 loops capped at 100", "in zero"], lines);
    }

    [Fact]
    public void Drop_in_request_route_sends_nothing_and_forward_sends()
    {
        using var h = ScriptHarness.Ok(Head + "request_route {\n  if ($rU == \"drop\") { drop; }\n  $du = \"sip:127.0.0.1:5998\";\n  forward();\n}\n");
        h.Run(ScriptHarness.Request(ruri: "sip:drop@127.0.0.1"));
        Assert.Empty(h.Sender.Sent);
        h.Run(ScriptHarness.Request(ruri: "sip:keep@127.0.0.1"));
        Assert.Single(h.Sender.Sent);
        Assert.Equal(5998, h.Sender.Sent[0].To.Port);
    }

    [Fact]
    public void Tm_can_run_named_routes_of_each_type_on_a_context()
    {
        using var h = ScriptHarness.Ok(Head + """
request_route { exit; }
failure_route[FAIL] { xlog("L_ERR", "failure $rm"); }
branch_route[BR] { xlog("L_ERR", "branch"); drop; }
onreply_route[REPLY] { xlog("L_ERR", "onreply"); return 2; }
""");
        var script = h.Result.Script!;
        Assert.True(script.HasRoute(RouteTypes.Failure, "FAIL"));
        Assert.False(script.HasRoute(RouteTypes.Failure, "NOPE"));
        var msg = Osprey.Sip.Message.SipMessage.ParseAndValidate(Encoding.UTF8.GetBytes(ScriptHarness.Request()), Osprey.Sip.Message.Framing.Datagram, out _)!;
        var ctx = Osprey.Core.Pipeline.MessageContext.Create(h.Server, msg, new Osprey.Transport.InboundMessage(msg.Buffer, System.Net.IPEndPoint.Parse("127.0.0.1:1"), h.Udp, 0));
        Assert.Equal(1, h.Result.Router!.RunRoute(RouteTypes.Failure, "FAIL", ctx));
        Assert.Equal(0, h.Result.Router.RunRoute(RouteTypes.Branch, "BR", ctx));
        Assert.True(ctx.Dropped);
        Assert.Equal(2, h.Result.Router.RunRoute(RouteTypes.OnReply, "REPLY", ctx));
        Assert.Equal(1, h.Result.Router.RunRoute(RouteTypes.Failure, "NOPE", ctx)); // IRouteRunner: a missing route does nothing
        Assert.Equal(["failure OPTIONS", "branch", "onreply"], ScriptHarness.Lines(h.Log.ToString()));
    }

    [Fact]
    public void Reload_swaps_the_script_and_a_failed_reload_keeps_the_running_one()
    {
        using var h = ScriptHarness.Ok(Head + "request_route { xlog(\"L_ERR\", \"v1\"); }\n");
        Assert.Equal(["v1"], h.Run(ScriptHarness.Request()));
        h.Files.Write("kamailio.cfg", Head + "request_route { xlog(\"L_ERR\", \"v2\") }\n");
        var errors = h.Result.Router!.Reload();
        Assert.Equal([$"{h.Path}:1:0: expected ';' after ')', found '}}'".Replace(":1:0:", ":5:37:", StringComparison.Ordinal)], errors);
        Assert.Equal(["v1"], h.Run(ScriptHarness.Request()));
        h.Files.Write("kamailio.cfg", Head + "request_route { xlog(\"L_ERR\", \"v2\"); }\n");
        Assert.Empty(h.Result.Router.Reload());
        Assert.Equal(["v2"], h.Run(ScriptHarness.Request()));
    }

    [Fact]
    public void Textops_and_siputils_basics()
    {
        using var h = ScriptHarness.Ok("loadmodule \"pv\"\nloadmodule \"textops\"\nloadmodule \"siputils\"\nloadmodule \"xlog\"\n" + """
request_route {
  if (is_method("INVITE|options")) { xlog("L_ERR", "1 method"); }
  if (!is_method("REGISTER")) { xlog("L_ERR", "2 not register"); }
  if (!has_totag() && is_request() && !is_reply()) { xlog("L_ERR", "3 initial request"); }
  if (is_present_hf("X-Old")) { xlog("L_ERR", "4 present"); }
  remove_hf("X-Old");
  append_hf("X-New: $rU\r\n");
  $du = "sip:127.0.0.1:5997";
  forward();
}
""");
        Assert.Equal(["1 method", "2 not register", "3 initial request", "4 present"], h.Run(ScriptHarness.Request(extra: "X-Old: a\r\nX-Old: b\r\n")));
        var sent = h.Sender.Last();
        Assert.Equal(-1, sent.IndexOf("X-Old"u8));
        Assert.Equal("bob", Encoding.UTF8.GetString(sent.ValueAt(sent.IndexOf("X-New"u8))));
    }

    [Fact]
    public void Time_process_and_config_pseudo_variables()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var lines = Run("request_route {\n  xlog(\"L_ERR\", \"$Ts $TS $TV(s) $time(year) $utime(mon) $pp $cfg(file) $env(HOME) $(RANDOM{s.int})\");\n}\n");
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var f = Assert.Single(lines).Split(' ');
        foreach (var t in f[..3]) Assert.InRange(long.Parse(t, System.Globalization.CultureInfo.InvariantCulture), before, after);
        Assert.Equal(DateTime.Now.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), f[3]);
        Assert.Equal(DateTime.UtcNow.Month.ToString(System.Globalization.CultureInfo.InvariantCulture), f[4]);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), f[5]);
        Assert.EndsWith("kamailio.cfg", f[6], StringComparison.Ordinal);
        Assert.Equal(Environment.GetEnvironmentVariable("HOME") ?? "<null>", f[7]);
        Assert.True(long.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture) >= 0);
    }

    [Fact]
    public void Event_routes_run_by_name_with_request_functions_allowed()
    {
        using var h = ScriptHarness.Ok(Head + "request_route { exit; }\nevent_route[xhttp:request] {\n  setflag(1);\n  xlog(\"L_ERR\", \"event $mf\");\n}\n");
        var msg = Osprey.Sip.Message.SipMessage.ParseAndValidate(Encoding.UTF8.GetBytes(ScriptHarness.Request()), Osprey.Sip.Message.Framing.Datagram, out _)!;
        var ctx = Osprey.Core.Pipeline.MessageContext.Create(h.Server, msg, new Osprey.Transport.InboundMessage(msg.Buffer, System.Net.IPEndPoint.Parse("127.0.0.1:1"), h.Udp, 0));
        Assert.Equal(1, h.Result.Router!.RunRoute(RouteTypes.Event, "xhttp:request", ctx));
        Assert.Equal(["event 2"], ScriptHarness.Lines(h.Log.ToString()));
    }

    [Theory]
    [InlineData("FRIENDLY", true)]
    [InlineData("^fri", true)]
    [InlineData("^scanner", false)]
    [InlineData("1\\.0$", true)]
    [InlineData("^friendly/1\\.0$", true)]
    [InlineData("^friendly$", false)]
    [InlineData("ly/1", true)]
    [InlineData("x.y", false)]
    [InlineData("f.iendly", true)]
    [InlineData("^[a-z]+ly", true)]
    public void Regex_match_on_literal_and_real_patterns(string pattern, bool expected)
    {
        var lines = Run("request_route {\n  if ($ua =~ \"" + pattern + "\") { xlog(\"L_ERR\", \"m\"); } else { xlog(\"L_ERR\", \"nm\"); }\n}\n",
            ScriptHarness.Request(extra: "User-Agent: friendly/1.0\r\n"));
        Assert.Equal([expected ? "m" : "nm"], lines);
    }

    [Fact]
    public void Stat_reads_the_statistics_registry()
    {
        using var h = ScriptHarness.Ok(Head + "request_route {\n  xlog(\"L_ERR\", \"$stat(rcv_requests) $stat(core:rcv_requests) $stat(nosuch)\");\n}\n");
        Assert.Equal(["1 1 <null>"], h.Run(ScriptHarness.Request()));
        Assert.Equal(["2 2 <null>"], h.Run(ScriptHarness.Request()));
    }

    [Fact]
    public void Debug_level_filters_xlog_levels()
    {
        using var h = ScriptHarness.Ok("debug=1\n" + Head + "request_route {\n  xdbg(\"dbg\"); xinfo(\"info\"); xnotice(\"notice\"); xwarn(\"warn\"); xerr(\"err\"); xlog(\"L_ALERT\", \"alert\");\n}\n");
        h.Run(ScriptHarness.Request());
        var log = h.Log.ToString();
        Assert.DoesNotContain("dbg", log, StringComparison.Ordinal);
        Assert.DoesNotContain("INFO", log, StringComparison.Ordinal);
        Assert.Contains("NOTICE: <script>: notice", log, StringComparison.Ordinal);
        Assert.Contains("WARNING: <script>: warn", log, StringComparison.Ordinal);
        Assert.Contains("ERROR: <script>: err", log, StringComparison.Ordinal);
        Assert.Contains("ALERT: <script>: alert", log, StringComparison.Ordinal);
    }
}
