using System.Globalization;
using Osprey.Interop.Tests.Support;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests;

/// <summary>onsend_route in the osprey executable: run before a request leaves (t_relay and forward), with
/// $snd(...) and the snd_/to_ keywords; drop keeps it from the wire; onsend_route_reply=yes covers relayed replies.</summary>
public sealed class OnSendRouteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-onsend-").FullName;
    private readonly TestUa _open = new(OspreyProcess.FreePort()), _blocked = new(OspreyProcess.FreePort()), _caller = new(OspreyProcess.FreePort());

    private static string P(int p) => p.ToString(CultureInfo.InvariantCulture);

    private OspreyProcess Start()
    {
        string cfg = Path.Combine(_dir, "onsend.cfg");
        File.WriteAllText(cfg, $$"""
            onsend_route_reply=yes
            loadmodule "tm.so"
            loadmodule "sl.so"
            loadmodule "pv.so"
            loadmodule "xlog.so"
            loadmodule "textops.so"
            request_route {
              if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
              if (is_method("ACK")) { t_relay(); exit; }
              if ($rU == "stateless") {
                $du = "sip:127.0.0.1:{{P(_blocked.Port)}}";
                if (!forward()) sl_send_reply("500", "Forward dropped");
                exit;
              }
              if ($rU == "blocked") $du = "sip:127.0.0.1:{{P(_blocked.Port)}}";
              else $du = "sip:127.0.0.1:{{P(_open.Port)}}";
              if (!t_relay()) sl_send_reply("500", "Relay dropped");
            }
            onsend_route {
              if (snd_port == {{P(_blocked.Port)}} && to_ip == 127.0.0.1) {
                xlog("L_ERR", "ONSEND drop $snd(sproto) $snd(ip):$snd(port) $rm len=$snd(len)\n");
                drop;
              }
              if (status == "183") {
                xlog("L_ERR", "ONSEND drop reply $rs to $snd(ip):$snd(port)\n");
                drop;
              }
            }
            """);
        return OspreyProcess.Start("-f", cfg);
    }

    [Fact]
    public void Drop_in_onsend_route_keeps_requests_and_replies_off_the_wire()
    {
        using var osprey = Start();

        // allowed: relayed; the 183 the callee sends is dropped on its way up, the 200 is not
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "open"));
        var inv = _open.Receive(TimeSpan.FromSeconds(10));
        Assert.True(inv is { Method: SipMethod.Invite }, osprey.Log);
        _open.Send(osprey.Port, UasReplies.To(inv!, 183, "Session Progress", "o1"));
        _open.Send(osprey.Port, UasReplies.To(inv!, 200, "OK", "o1", $"sip:open@127.0.0.1:{P(_open.Port)}"));
        var upstream = Until(_caller, m => m.IsReply && m.StatusCode == 200).Where(m => m.IsReply).Select(m => m.StatusCode).ToList();
        Assert.Contains(200, upstream);
        Assert.DoesNotContain(183, upstream);

        // to the blocked port: the stateful relay is dropped, so is stateless forward()
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "blocked"));
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "stateless"));
        Assert.Empty(_blocked.Drain(1500));
        var finals = new List<string>();
        Until(_caller, m =>
        {
            if (m.IsReply && m.StatusCode >= 300) finals.Add(System.Text.Encoding.UTF8.GetString(m.Reason));
            return finals.Count >= 2;
        });
        Assert.Contains("Relay dropped", finals);
        Assert.Contains("Forward dropped", finals);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string want1 = $"ONSEND drop udp 127.0.0.1:{P(_blocked.Port)} INVITE len=", want2 = $"ONSEND drop reply 183 to 127.0.0.1:{P(_caller.Port)}";
        while (!(osprey.Log.Contains(want1, StringComparison.Ordinal) && osprey.Log.Contains(want2, StringComparison.Ordinal)) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        string log = osprey.Log;
        Assert.Contains(want1, log);
        Assert.Contains(want2, log);
    }

    /// <summary>What arrives until <paramref name="done"/> says so (or 10 s pass), then 300 ms more.</summary>
    private static List<SipMessage> Until(TestUa ua, Func<SipMessage, bool> done)
    {
        var list = new List<SipMessage>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (ua.Receive(TimeSpan.FromMilliseconds(200)) is not { } m) continue;
            list.Add(m);
            if (done(m)) break;
        }
        list.AddRange(ua.Drain(300));
        return list;
    }

    public void Dispose()
    {
        _open.Dispose();
        _blocked.Dispose();
        _caller.Dispose();
        Directory.Delete(_dir, true);
    }
}
