using Osprey.Script.Ast;
using static Osprey.Script.Tests.TestConfig;

namespace Osprey.Script.Tests;

public sealed class ParserTests : IDisposable
{
    private readonly TestConfig _cfg = new();
    public void Dispose() => _cfg.Dispose();

    private LoadedConfig Route(string body) => _cfg.Load("loadmodule \"pv\"\nloadmodule \"tm\"\nloadmodule \"sl\"\nloadmodule \"textops\"\nrequest_route {\n" + body + "\n}\nroute[R] { return; }\n");

    private string Expr(string condition)
    {
        var c = Route($"if ({condition}) exit;");
        Assert.Empty(Errors(c));
        return Show(((IfStmt)RequestRoute(c)[0]).Condition);
    }

    [Theory]
    [InlineData("$a || $b && $c", "(LogicalOr $a (LogicalAnd $b $c))")]
    [InlineData("$a or $b and $c", "(LogicalOr $a (LogicalAnd $b $c))")]
    [InlineData("$a | $b & $c", "(BitOr $a (BitAnd $b $c))")]
    [InlineData("$a & $b ^ $c", "(BitAnd $a (BitXor $b $c))")]
    [InlineData("$a ^ $b << 1", "(BitXor $a (ShiftLeft $b 1))")]
    [InlineData("$a << $b >> 1", "(ShiftLeft $a (ShiftRight $b 1))")]
    [InlineData("$a & 1 == 1", "(BitAnd $a (Equal 1 1))")]
    [InlineData("$a == $b > 1", "(Equal $a (Greater $b 1))")]
    [InlineData("$a > $b + 1", "(Greater $a (Add $b 1))")]
    [InlineData("$a + $b * 2 - 1", "(Subtract (Add $a (Multiply $b 2)) 1)")]
    [InlineData("$a mod 2 / 3", "(Divide (Modulo $a 2) 3)")]
    [InlineData("!$a == 0", "(Equal (Not $a) 0)")]
    [InlineData("not $a", "(Not $a)")]
    [InlineData("~$a", "(BitNot $a)")]
    [InlineData("-$a + 1", "(Add (Negate $a) 1)")]
    [InlineData("defined $a && 1", "(LogicalAnd (Defined $a) 1)")]
    [InlineData("(int)$a + 1", "(Add (Int $a) 1)")]
    [InlineData("(str)$a", "(Str $a)")]
    [InlineData("strempty($a) || strlen($b) > 2", "(LogicalOr (StrEmpty $a) (Greater (StrLen $b) 2))")]
    [InlineData("$a eq \"x\" && $b ne \"y\"", "(LogicalAnd (StrEqual $a \"x\") (StrNotEqual $b \"y\"))")]
    [InlineData("$a ieq 1 || $a ine 2", "(LogicalOr (IntEqual $a 1) (IntNotEqual $a 2))")]
    [InlineData("$ru =~ \"^sip:\"", "(Match $ru \"^sip:\")")]
    [InlineData("\"a\" \"b\" == $c", "(Equal \"ab\" $c)")]
    public void Operator_precedence(string condition, string tree) => Assert.Equal(tree, Expr(condition));

    [Theory]
    [InlineData("uri == myself", "(Equal Uri myself)")]
    [InlineData("myself == from_uri", "(Equal FromUri myself)")]
    [InlineData("!src_ip == 10.0.0.0/8", "(Not (Equal SrcIp 10.0.0.0/8))")]
    [InlineData("src_ip != gw.example.com", "(NotEqual SrcIp gw.example.com)")]
    [InlineData("method == INVITE", "(Equal Method INVITE)")]
    [InlineData("proto == WSS || af == INET6", "(LogicalOr (Equal Proto WSS) (Equal Af INET6))")]
    [InlineData("msg:len > max_len", "(Greater MsgLen MaxLen)")]
    [InlineData("status =~ \"[12][0-9][0-9]\"", "(Match Status \"[12][0-9][0-9]\")")]
    [InlineData("dst_ip == [2001:db8::1]", "(Equal DstIp 2001:db8::1)")]
    [InlineData("@ruri.user == \"x\"", "(Equal @ruri.user \"x\")")]
    [InlineData("t_check_trans() && is_method(\"INVITE\")", "(LogicalAnd t_check_trans() is_method(\"INVITE\"))")]
    public void Core_keywords_and_calls_in_conditions(string condition, string tree) => Assert.Equal(tree, Expr(condition));

    [Fact]
    public void Statements()
    {
        var c = Route("""
            if ($a) { exit; } else if ($b) drop; else { return -1; }
            switch ($rU) { case "a": case 'b': break; case /"^c": $var(x) = 1; default: exit 2; }
            switch ($var(rc)) { case -1: case 0x2: break; }
            while ($var(i) < 3) { $var(i) = $var(i) + 1; }
            $(avp(x)[*]) = $null;
            route(R); route("R"); route($var(r));
            t_relay(); sl_send_reply(404, "Not " + "Here"); force_rport; ;
            drop();
            exit();
            return(0);
            """);
        Assert.Empty(Errors(c));
        var s = RequestRoute(c);
        Assert.IsType<IfStmt>(s[0]);
        Assert.IsType<IfStmt>(((IfStmt)s[0]).Else);
        var sw = Assert.IsType<SwitchStmt>(s[1]);
        Assert.Equal(4, sw.Cases.Count);
        Assert.True(sw.Cases[2].IsRegex);
        Assert.Null(sw.Cases[3].Label);
        Assert.Equal(-1, ((IntLiteral)((SwitchStmt)s[2]).Cases[0].Label!).Value);
        Assert.IsType<WhileStmt>(s[3]);
        Assert.True(((AssignStmt)s[4]).Target.Pv.Index!.All);
        Assert.Equal(["route(R)", "route(R)", "route($var(r))"], s[5..8].Select(x => Show(((ExprStmt)x).Expression)));
        Assert.Equal("sl_send_reply(404, (Add \"Not \" \"Here\"))", Show(((ExprStmt)s[9]).Expression));
        Assert.False(((CallExpr)((ExprStmt)s[10]).Expression).HasParentheses);
        Assert.IsType<EmptyStmt>(s[11]);
        Assert.IsType<DropStmt>(s[12]);
        Assert.Null(((ExitStmt)s[13]).Value);
        Assert.Equal("0", Show(((ReturnStmt)s[14]).Value!));
    }

    [Fact]
    public void Top_level_items()
    {
        var c = _cfg.Load("""
            #!KAMAILIO
            debug=-1
            log_facility=LOG_LOCAL0
            listen=udp:10.0.0.10:5060 advertise 1.2.3.4:5060
            listen=tcp:[2001:db8::1]:5061
            alias="example.com"
            pstn.gw_ip = "" desc "My PSTN GW Address"
            mpath="/usr/lib/kamailio/modules/"
            loadmodule "tm.so"
            loadmodule "/usr/lib/kamailio/modules/rr.so"
            loadmodule "registrar"
            loadmodule "usrloc"
            modparam("usrloc|registrar", "use_domain", 1)
            modparam("tm", "fr_timer", 30000)
            request_route { exit; }
            route { exit; }
            route[1] { exit; }
            route["x"] { exit; }
            branch_route[B] { exit; }
            failure_route[F] { exit; }
            onreply_route[O] { exit; }
            onreply_route { exit; }
            reply_route { exit; }
            onsend_route { exit; }
            event_route[tm:branch-failure:FAIL-BRANCH] { exit; }
            event_route[xhttp:request] { exit; }
            """);
        Assert.Empty(Errors(c));
        var cfg = c.Config;
        Assert.Equal(-1, ((IntParamValue)cfg.Parameters[0].Value).Value);
        Assert.Equal("LOG_LOCAL0", ((WordParamValue)cfg.Parameters[1].Value).Value);
        var listen = (SocketParamValue)cfg.Parameters[2].Value;
        Assert.Equal(new SocketAddress("udp", "10.0.0.10", "5060"), listen.Sockets.Single());
        Assert.Equal("1.2.3.4:5060", listen.Advertise);
        Assert.Equal("[2001:db8::1]", ((SocketParamValue)cfg.Parameters[3].Value).Sockets.Single().Host);
        Assert.Equal(("pstn", "gw_ip", "My PSTN GW Address"), (cfg.CustomVariables[0].Group, cfg.CustomVariables[0].Name, cfg.CustomVariables[0].Description));
        Assert.Equal(["tm", "rr", "registrar", "usrloc"], cfg.Modules.Select(m => m.ModuleName));
        Assert.Equal("usrloc|registrar", cfg.ModuleParameters[0].ModulePattern);
        Assert.Equal(
            ["Request:", "Request:", "Named:1", "Named:x", "Branch:B", "Failure:F", "OnReply:O", "Reply:", "Reply:", "OnSend:", "Event:tm:branch-failure:FAIL-BRANCH", "Event:xhttp:request"],
            cfg.Routes.Select(r => $"{r.Kind}:{r.Name}"));
    }
}
