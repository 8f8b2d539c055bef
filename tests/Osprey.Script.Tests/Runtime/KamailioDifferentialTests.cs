using Xunit.Abstractions;

namespace Osprey.Script.Tests.Runtime;

/// <summary>
/// The tricky semantics (string vs integer typing, regex match, undefined PVs, return codes, $avp stacking,
/// transformations) run through the installed Kamailio 5.6 and through Osprey on the same config and the
/// same message; the logged lines must be identical. The expected values are also written out, so the
/// behaviour is recorded here.
/// </summary>
public sealed class KamailioDifferentialTests(ITestOutputHelper output)
{
    internal const string Config = """
#!KAMAILIO
debug=2
log_stderror=yes
fork=no
children=1
listen=udp:127.0.0.1:{PORT}
loadmodule "pv"
loadmodule "xlog"
loadmodule "kex"
route[R1] { xlog("L_ERR", "in R1\n"); }
route[R2] { $var(z) = 5; }
route[R3] { if (0) { xlog("L_ERR", "never\n"); } }
route[R4] { return -3; }
route[R5] { xlog("L_ERR", "r5\n"); return; }
route[R6] { return 7; xlog("L_ERR", "after return\n"); }
route[EXIT] { xlog("L_ERR", "before exit\n"); exit; }
request_route {
  $var(s) = "abc";
  if ($var(s)) { xlog("L_ERR", "T1 str-true\n"); } else { xlog("L_ERR", "T1 str-false\n"); }
  $var(s) = "12";
  if ($var(s)) { xlog("L_ERR", "T2 str12-true\n"); } else { xlog("L_ERR", "T2 str12-false\n"); }
  $var(s) = "";
  if ($var(s)) { xlog("L_ERR", "T3 empty-true\n"); } else { xlog("L_ERR", "T3 empty-false\n"); }
  if ($rU) { xlog("L_ERR", "T4 rU-true\n"); } else { xlog("L_ERR", "T4 rU-false\n"); }
  if ($hdr(X-None)) { xlog("L_ERR", "T5 undef-true\n"); } else { xlog("L_ERR", "T5 undef-false\n"); }
  $var(a) = "10" + 5; xlog("L_ERR", "T6 [$var(a)]\n");
  $var(a) = "12abc" + 1; xlog("L_ERR", "T8 [$var(a)]\n");
  $var(b) = "12abc"; $var(a) = 1 + $var(b); xlog("L_ERR", "T9 [$var(a)]\n");
  $var(b) = "0x1f"; $var(a) = 1 + $var(b); xlog("L_ERR", "T10 [$var(a)]\n");
  $var(b) = " 7"; $var(a) = 1 + $var(b); xlog("L_ERR", "T11 [$var(a)]\n");
  $var(b) = "-7"; $var(a) = 1 + $var(b); xlog("L_ERR", "T12 [$var(a)]\n");
  if ("abc" == "ABC") { xlog("L_ERR", "T13 eq\n"); } else { xlog("L_ERR", "T13 ne\n"); }
  if ($rm == "options") { xlog("L_ERR", "T14 eq\n"); } else { xlog("L_ERR", "T14 ne\n"); }
  if (method == "options") { xlog("L_ERR", "T15 eq\n"); } else { xlog("L_ERR", "T15 ne\n"); }
  if ($ru =~ "^SIP:") { xlog("L_ERR", "T16 m\n"); } else { xlog("L_ERR", "T16 nm\n"); }
  if ($hdr(X-None) == $null) { xlog("L_ERR", "T17 null\n"); } else { xlog("L_ERR", "T17 notnull\n"); }
  if ($rU == $null) { xlog("L_ERR", "T18 null\n"); } else { xlog("L_ERR", "T18 notnull\n"); }
  $var(u) = $null; xlog("L_ERR", "T19 [$var(u)]\n");
  if ($var(u) == 0) { xlog("L_ERR", "T20 zero\n"); } else { xlog("L_ERR", "T20 nz\n"); }
  xlog("L_ERR", "T22 [$hdr(X-None)] [$avp(nope)]\n");
  $avp(x) = 1; $avp(x) = "two"; $avp(x) = 3;
  xlog("L_ERR", "T23 [$avp(x)] [$(avp(x)[0])] [$(avp(x)[1])] [$(avp(x)[2])] [$(avp(x)[*])]\n");
  $avp(x) = $null; xlog("L_ERR", "T24 [$avp(x)]\n");
  $(avp(x)[*]) = "all"; xlog("L_ERR", "T25 [$avp(x)] [$(avp(x)[1])]\n");
  route(R1); xlog("L_ERR", "T26 rc=$rc\n");
  route(R2); xlog("L_ERR", "T27 rc=$rc\n");
  route(R3); xlog("L_ERR", "T28 rc=$rc\n");
  route(R4); xlog("L_ERR", "T29 rc=$rc retcode=$retcode\n");
  route(R5); xlog("L_ERR", "T30 rc=$rc\n");
  if (route(R4)) { xlog("L_ERR", "T31 true\n"); } else { xlog("L_ERR", "T31 false\n"); }
  $var(i) = 7 / 2; xlog("L_ERR", "T32 [$var(i)] [$(var(i){s.len})]\n");
  $var(i) = 2147483647 + 1; xlog("L_ERR", "T33 [$var(i)]\n");
  $var(i) = 7 mod 3; xlog("L_ERR", "T34 [$var(i)] [$ci] [$rm] [$mt]\n");
  $var(s) = "abc"; if ($var(s) == 0) { xlog("L_ERR", "T37 eq0\n"); } else { xlog("L_ERR", "T37 ne0\n"); }
  if (!$var(s)) { xlog("L_ERR", "T38 not-true\n"); } else { xlog("L_ERR", "T38 not-false\n"); }
  xlog("L_ERR", "T39 [$(ru{uri.user})] [$(ru{uri.host})] [$(hdr(From){tobody.tag})] [$(fu{s.toupper})] [$(ci{s.substr,1,3})]\n");
  route(R6); xlog("L_ERR", "T40 rc=$rc\n");
  $var(i) = 0;
  while ($var(i) < 5) { $var(i) = $var(i) + 1; if ($var(i) == 3) { break; } }
  xlog("L_ERR", "T41 [$var(i)]\n");
  switch ($var(i)) { case 1: xlog("L_ERR", "T42 one\n"); case 3: xlog("L_ERR", "T42 three\n"); case 4: xlog("L_ERR", "T42 four\n"); break; default: xlog("L_ERR", "T42 default\n"); }
  switch ($rm) { case "INVITE": xlog("L_ERR", "T43 invite\n"); break; case "OPTIONS": xlog("L_ERR", "T43 options\n"); break; }
  if (5 < 10 && "a" != "b" || 0) { xlog("L_ERR", "T44 true\n"); }
  $var(i) = (1 | 6) ^ 3; xlog("L_ERR", "T45 [$var(i)] [$(var(i){s.int})]\n");
  $var(i) = 1 << 4; $var(j) = 256 >> 2; xlog("L_ERR", "T46 [$var(i)] [$var(j)] [$(var(j){s.len})]\n");
  $var(s) = "a" + "b" + 1 + 2; xlog("L_ERR", "T47 [$var(s)]\n");
  $var(s) = $rU + "@" + $rd; xlog("L_ERR", "T48 [$var(s)]\n");
  if (strlen($rU) == 3 && !strempty($rU) && strempty($hdr(X-None))) { xlog("L_ERR", "T49 ok\n"); }
  if (defined $rU && !defined $hdr(X-None)) { xlog("L_ERR", "T50 ok\n"); }
  $var(n) = -5; $var(m) = $var(n) * -2 - 1; xlog("L_ERR", "T51 [$var(m)]\n");
  if ($fu =~ "alice@EXAMPLE") { xlog("L_ERR", "T52 m\n"); } else { xlog("L_ERR", "T52 nm\n"); }
  if ($fU eq "alice" && $cs ieq 1) { xlog("L_ERR", "T53 ok\n"); }
  if ($(ru{uri.user}) == "bob" && $(fu{uri.host}) == "example.com") { xlog("L_ERR", "T54 ok\n"); }
  $var(p) = "a=1;b=2;c"; xlog("L_ERR", "T55 [$(var(p){param.value,b})] [$(var(p){param.count})] [$(var(p){s.select,1,;})]\n");
  setflag(3); if (isflagset(3)) { xlog("L_ERR", "T56 set\n"); } resetflag(3); if (!isflagset(3)) { xlog("L_ERR", "T56 reset\n"); }
  setbflag(2); if (isbflagset(2)) { xlog("L_ERR", "T57 bset\n"); }
  $ru = "sip:carol@10.0.0.9:5070;transport=tcp"; xlog("L_ERR", "T58 [$ru] [$rU] [$rd] [$rp] [$(ou{uri.user})]\n");
  $rU = "dave"; xlog("L_ERR", "T59 [$ru]\n");
  $du = "sip:10.0.0.10:5080"; xlog("L_ERR", "T60 [$du] [$dd] [$dp]\n");
  $du = $null; xlog("L_ERR", "T61 [$du]\n");
  $xavp(r=>a) = 1; $xavp(r[0]=>b) = "x"; $xavp(r=>a) = 2;
  xlog("L_ERR", "T62 [$xavp(r=>a)] [$xavp(r[1]=>a)] [$xavp(r[1]=>b)] [$xavp(r=>b)]\n");
  route(R4); $var(a) = 1; xlog("L_ERR", "T63 rc=$rc\n");
  route(R4); xlog("L_ERR", "x\n"); xlog("L_ERR", "T64 rc=$rc\n");
  route(R4); setflag(1); xlog("L_ERR", "T65 rc=$rc\n");
  route(R4); if ($var(a) == 1) { $var(b) = 2; } xlog("L_ERR", "T66 rc=$rc\n");
  route(R4); route(R2); xlog("L_ERR", "T67 rc=$rc\n");
  route(R4); isflagset(7); xlog("L_ERR", "T68 rc=$rc\n");
  if ($var(nope) == "") { xlog("L_ERR", "T69 empty\n"); } else { xlog("L_ERR", "T69 ne\n"); }
  $avp(y) = 1; $avp(y) = 2; xlog("L_ERR", "T70 [$(avp(y)[-1])] [$(avp(y)[5])]\n");
  $var(s) = $hdr(X-None) + "x"; xlog("L_ERR", "T71 [$var(s)]\n");
  $var(s) = "7"; if ($var(s) == 7) { xlog("L_ERR", "T72 eq\n"); } else { xlog("L_ERR", "T72 ne\n"); }
  $var(s) = "07"; if ($var(s) == 7) { xlog("L_ERR", "T73 eq\n"); } else { xlog("L_ERR", "T73 ne\n"); }
  $var(i) = 7; if ($var(i) == "7") { xlog("L_ERR", "T74 eq\n"); } else { xlog("L_ERR", "T74 ne\n"); }
  $var(i) = 7; if ($var(i) == "x7") { xlog("L_ERR", "T75 eq\n"); } else { xlog("L_ERR", "T75 ne\n"); }
  if ($var(i) != "x7") { xlog("L_ERR", "T76 ne-true\n"); } else { xlog("L_ERR", "T76 ne-false\n"); }
  $var(s) = $var(i) + "3"; xlog("L_ERR", "T77 [$var(s)]\n");
  $var(s) = "a" + $var(i); xlog("L_ERR", "T78 [$var(s)]\n");
  if ($rU =~ "^B") { xlog("L_ERR", "T79 m\n"); } else { xlog("L_ERR", "T79 nm\n"); }
  if ($(hdr(From){tobody.uri}) == "sip:alice@example.com") { xlog("L_ERR", "T80 eq\n"); }
  $var(s) = -3; $var(t) = $var(s) / 2; xlog("L_ERR", "T81 [$var(t)] [$(var(s){s.int})]\n");
  if ($sp > 1000 && $Rp > 0) { xlog("L_ERR", "T82 ports\n"); }
  xlog("L_ERR", "T83 [$mt] [$cs] [$cl] [$ft] [$tt] [$ua]\n");
  $var(a) = "b"; $var(b) = "a"; if ($var(a) > $var(b)) { xlog("L_ERR", "T84 gt\n"); } else { xlog("L_ERR", "T84 le\n"); }
  $var(a) = "10"; $var(b) = "9"; if ($var(a) > $var(b)) { xlog("L_ERR", "T85 gt\n"); } else { xlog("L_ERR", "T85 le\n"); }
  if ($var(a) > 5) { xlog("L_ERR", "T86 gt\n"); } else { xlog("L_ERR", "T86 le\n"); }
  $var(x) = "abc"; $var(y) = $var(x) * 2; xlog("L_ERR", "T87 [$var(y)]\n");
  if (defined $var(never)) { xlog("L_ERR", "T88 defined\n"); } else { xlog("L_ERR", "T88 undefined\n"); }
  $var(i) = 12345; if (strlen($var(i)) == 5) { xlog("L_ERR", "T90 five\n"); } else { xlog("L_ERR", "T90 other\n"); }
  if ($null) { xlog("L_ERR", "T93 true\n"); } else { xlog("L_ERR", "T93 false\n"); }
  $var(e) = "" + 5; xlog("L_ERR", "T95 [$var(e)]\n");
  $var(q) = 1 && 0; $var(r) = (1 == 1) + 1; xlog("L_ERR", "T98 [$var(q)] [$var(r)]\n");
  $var(o) = 010; $var(h) = 0x10; xlog("L_ERR", "T100 [$var(o)] [$var(h)]\n");
  $var(x) = "abc"; if ($var(x) > 0) { xlog("L_ERR", "T101 gt\n"); } else { xlog("L_ERR", "T101 le\n"); }
  if ($var(x) < 1) { xlog("L_ERR", "T102 lt\n"); } else { xlog("L_ERR", "T102 ge\n"); }
  $var(z) = $hdr(X-None); xlog("L_ERR", "T103 [$var(z)]\n");
  $avp(n) = $hdr(X-None); xlog("L_ERR", "T104 [$avp(n)]\n");
  $var(t) = " MiXeD CaSe ";
  xlog("L_ERR", "T105 [$(var(t){s.substr,1,5})] [$(var(t){s.substr,-5,0})] [$(var(t){s.substr,2,0})] [$(var(t){s.strip,2})] [$(var(t){s.striptail,2})] [$(var(t){s.trim})]\n");
  $var(c) = "a,b,c";
  xlog("L_ERR", "T106 [$(var(c){s.select,1,,})] [$(var(c){s.select,-1,,})] [$(var(c){s.select,5,,})] [$(var(c){s.len})] [$(var(c){s.md5})]\n");
  $var(u) = "sips:u1:pw@h.example:5070;transport=tcp;lr?X=1";
  xlog("L_ERR", "T107 [$(var(u){uri.user})] [$(var(u){uri.host})] [$(var(u){uri.port})] [$(var(u){uri.params})] [$(var(u){uri.param,transport})] [$(var(u){uri.passwd})] [$(var(u){uri.headers})]\n");
  $var(p) = "a=1;b=2;c";
  xlog("L_ERR", "T108 [$(var(p){param.value,b})] [$(var(p){param.value,c})] [$(var(p){param.value,z})] [$(var(p){param.count})] [$(var(p){param.name,1})] [$(var(p){param.valueat,1})]\n");
  $var(na) = "\"Bob B\" <sip:bob@b.example>;tag=t9";
  xlog("L_ERR", "T109 [$(var(na){nameaddr.name})] [$(var(na){nameaddr.uri})] [$(var(na){tobody.tag})] [$(var(na){tobody.user})] [$(var(na){tobody.host})] [$(var(na){tobody.display})]\n");
  $var(l) = "first\nsecond\nthird\n";
  xlog("L_ERR", "T110 [$(var(l){line.count})] [$(var(l){line.at,1})] [$(var(l){line.sw,th})]\n");
  xlog("L_ERR", "T111 [$(var(c){s.encode.hexa})] [$(var(c){s.toupper}{s.len})] [$(hdr(To){tobody.uri}{uri.user})]\n");
  xlog("L_ERR", "DONE\n");
  route(EXIT);
  xlog("L_ERR", "not reached\n");
}
""";

    private static readonly string[] Expected =
    [
        "T1 str-false", "T2 str12-true", "T3 empty-false", "T4 rU-false", "T5 undef-false",
        "T6 [105]", "T8 [12abc1]", "T9 [1]", "T10 [32]", "T11 [1]", "T12 [-6]",
        "T13 ne", "T14 ne", "T15 eq", "T16 m", "T17 null", "T18 notnull", "T19 [0]", "T20 zero",
        "T22 [<null>] [<null>]", "T23 [3] [3] [two] [1] [3, two, 1]", "T24 [two]", "T25 [all] [<null>]",
        "in R1", "T26 rc=1", "T27 rc=1", "T28 rc=1", "T29 rc=-3 retcode=-3", "r5", "T30 rc=1", "T31 false",
        "T32 [3] [1]", "T33 [-2147483648]", "T34 [1] [abcdef@h] [OPTIONS] [1]", "T37 ne0", "T38 not-true",
        "T39 [bob] [127.0.0.1] [ftag1] [SIP:ALICE@EXAMPLE.COM] [bcd]",
    ];

    private static string Message(int port) => ScriptHarness.Request(ruri: $"sip:bob@127.0.0.1:{port}");

    [Fact]
    public void Osprey_logs_exactly_what_Kamailio_logs_for_the_same_config_and_message()
    {
        var kamailio = KamailioRunner.Run(Config + "\n", p => Message(p)).Where(l => !l.Contains("DONE", StringComparison.Ordinal)).ToArray();
        using var h = ScriptHarness.Ok(Config.Replace("{PORT}", "5060", StringComparison.Ordinal));
        var osprey = h.Run(Message(5060)).TakeWhile(l => !l.Contains("DONE", StringComparison.Ordinal)).ToArray();
        Assert.True(kamailio.Length > 60, "kamailio logged only " + kamailio.Length + " lines");
        foreach (var l in kamailio) output.WriteLine("kamailio: " + l);
        for (int i = 0; i < Math.Max(kamailio.Length, osprey.Length); i++)
        {
            var k = i < kamailio.Length ? kamailio[i] : "<missing>";
            var o = i < osprey.Length ? osprey[i] : "<missing>";
            Assert.True(k == o, $"line {i}: kamailio '{k}' vs osprey '{o}'");
        }
    }

    [Fact]
    public void Recorded_Kamailio_behaviour_holds_in_Osprey()
    {
        using var h = ScriptHarness.Ok(Config.Replace("{PORT}", "5060", StringComparison.Ordinal));
        var lines = h.Run(Message(5060));
        Assert.Equal(Expected, lines.Take(Expected.Length).ToArray());
        Assert.Contains("before exit", lines);
        Assert.DoesNotContain("not reached", lines);
        Assert.DoesNotContain("after return", lines);
    }
}
