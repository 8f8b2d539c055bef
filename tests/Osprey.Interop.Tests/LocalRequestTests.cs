using System.Diagnostics;
using System.Globalization;
using System.Text;
using Osprey.Interop.Tests.Support;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests;

/// <summary>tm.t_uac_start and tm.t_uac_wait_block: a request the server sends itself, asked for with Debian's
/// kamcmd over the ctl socket.</summary>
public class LocalRequestTests
{
    private static string Config(string ctl) =>
        "loadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"ctl.so\"\n" +
        $"modparam(\"ctl\", \"binrpc\", \"unix:{ctl}\")\n" +
        "request_route {\n  sl_send_reply(\"404\", \"Not here\");\n}\n";

    /// <summary>Osprey with a ctl socket in <paramref name="dir"/> for kamcmd.</summary>
    private static OspreyProcess StartWithCtl(string dir, out string ctl)
    {
        ctl = Path.Combine(dir, "ctl.sock");
        string cfg = Path.Combine(dir, "uac.cfg");
        File.WriteAllText(cfg, Config(ctl));
        return OspreyProcess.Start("-f", cfg);
    }

    private static (int Code, string Out) Kamcmd(string ctl, params string[] args)
    {
        var psi = new ProcessStartInfo("kamcmd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-s");
        psi.ArgumentList.Add("unix:" + ctl);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(20000))
        {
            p.Kill(true);
            Assert.Fail("kamcmd did not finish");
        }
        return (p.ExitCode, so.Result + se.Result);
    }

    [Fact]
    public void Invite_sent_by_rpc_reaches_the_peer_retransmits_until_answered_and_its_200_is_acked()
    {
        var dir = Directory.CreateTempSubdirectory("osprey-uac-").FullName;
        try
        {
            using var osprey = StartWithCtl(dir, out string ctl);
            using var ua = new TestUa(OspreyProcess.FreePort());
            string P(int p) => p.ToString(CultureInfo.InvariantCulture);
            string ruri = $"sip:callee@127.0.0.1:{P(ua.Port)}";
            var (code, output) = Kamcmd(ctl, "tm.t_uac_start", "INVITE", ruri, ".", ".",
                $"From: <sip:rpc@127.0.0.1>\r\nTo: <{ruri}>\r\nContact: <sip:rpc@127.0.0.1:{P(osprey.Port)}>\r\nSubject: from rpc\r\n");
            Assert.True(code == 0, "kamcmd: " + output + osprey.Log);

            var invite = ua.ReceiveFrom(TimeSpan.FromSeconds(10), out var from);
            Assert.NotNull(invite);
            Assert.Equal(SipMethod.Invite, invite!.Method);
            Assert.Equal(osprey.Port, from!.Port);
            Assert.Equal(ruri, Encoding.UTF8.GetString(invite.RequestUriText));
            Assert.StartsWith("z9hG4bK", invite.TopVia.BranchString);
            Assert.True(invite.From.HasTag);
            Assert.Equal("from rpc", invite.ValueString(invite.IndexOf("Subject"u8)));
            Assert.Equal(SipMethod.Invite, invite.CSeq.Method);

            // unanswered over UDP, the INVITE is retransmitted (Timer A) with the same branch
            var again = ua.Receive(TimeSpan.FromSeconds(5));
            Assert.NotNull(again);
            Assert.Equal(invite.TopVia.BranchString, again!.TopVia.BranchString);

            ua.Send(osprey.Port, UasReplies.To(invite, 180, "Ringing", "uas-tag", ruri + ";transport=udp"));
            ua.Send(osprey.Port, UasReplies.To(invite, 200, "OK", "uas-tag", ruri + ";transport=udp"));
            SipMessage? ack = null;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (ack is null && DateTime.UtcNow < deadline)
            {
                var m = ua.Receive(TimeSpan.FromSeconds(2));
                if (m is { IsRequest: true, Method: SipMethod.Ack }) ack = m;
            }
            Assert.True(ack is not null, "no ACK for the 200: " + osprey.Log);
            Assert.Equal("uas-tag", ack!.To.TagString);
            Assert.Equal(invite.CSeq.Number, ack.CSeq.Number);
            Assert.Equal($"sip:callee@127.0.0.1:{P(ua.Port)};transport=udp", Encoding.UTF8.GetString(ack.RequestUriText));

            // a request without From/To is refused with a fault, as Kamailio does
            var (code2, output2) = Kamcmd(ctl, "tm.t_uac_start", "OPTIONS", ruri, ".", ".", "Subject: x\r\n");
            Assert.True(code2 != 0 || output2.Contains("error", StringComparison.OrdinalIgnoreCase), output2);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("tm.t_uac_wait_block")]
    [InlineData("tm.t_uac_wait")]
    public void Rpc_caller_gets_the_final_reply_of_the_request_it_had_sent(string command)
    {
        var dir = Directory.CreateTempSubdirectory("osprey-uacw-").FullName;
        try
        {
            using var osprey = StartWithCtl(dir, out string ctl);
            using var ua = new TestUa(OspreyProcess.FreePort());
            string ruri = "sip:callee@127.0.0.1:" + ua.Port.ToString(CultureInfo.InvariantCulture);
            var rpc = Task.Run(() => Kamcmd(ctl, command, "OPTIONS", ruri, ".", ".", $"From: <sip:rpc@127.0.0.1>\r\nTo: <{ruri}>\r\n"));
            var options = ua.ReceiveFrom(TimeSpan.FromSeconds(10), out _);
            Assert.True(options is { Method: SipMethod.Options }, "no OPTIONS: " + osprey.Log);
            Assert.False(rpc.IsCompleted); // the caller waits for the reply
            ua.Send(osprey.Port, UasReplies.To(options!, 200, "Alive", "uas-tag", ruri).Replace("Content-Length:", "X-Answer: yes\r\nContent-Length:", StringComparison.Ordinal));
            Assert.True(rpc.Wait(TimeSpan.FromSeconds(20)), "kamcmd did not return");
            var (code, output) = rpc.Result;
            Assert.True(code == 0, "kamcmd: " + output + osprey.Log);
            var lines = output.Split('\n');
            Assert.Equal("200", lines[0].Trim());
            Assert.Equal("Alive", lines[1].Trim());
            Assert.Contains("X-Answer: yes", output, StringComparison.Ordinal);
            Assert.Contains("uas-tag", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
