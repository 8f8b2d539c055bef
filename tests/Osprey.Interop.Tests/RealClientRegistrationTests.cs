using System.Diagnostics;
using Osprey.Interop.Tests.Support;
using static Osprey.Interop.Tests.Support.RegistrarLab;

namespace Osprey.Interop.Tests;

/// <summary>
/// Real SIP clients against the registrar with digest authentication on SQLite
/// (Configs/registrar-auth.cfg): baresip registers with its password and answers a call routed to it
/// by lookup("location"); sipsak's usrloc mode registers with the right password and is refused
/// with a wrong one.
/// </summary>
public class RealClientRegistrationTests
{
    [Fact]
    public void Baresip_registers_with_a_password_and_answers_a_call()
    {
        using var lab = new RegistrarLab(10);
        using var osprey = lab.Start(withAuth: true);
        int baresipPort = OspreyProcess.FreePort();
        var conf = Directory.CreateDirectory(Path.Combine(lab.Dir, "baresip")).FullName;
        WriteSilence(Path.Combine(conf, "silence.wav"));
        File.WriteAllText(Path.Combine(conf, "config"), string.Join('\n',
            "poll_method epoll",
            "sip_listen 127.0.0.1:" + N(baresipPort),
            "sip_transports udp",
            "audio_player aufile," + Path.Combine(conf, "heard.wav"),
            "audio_source aufile," + Path.Combine(conf, "silence.wav"),
            "audio_alert aufile," + Path.Combine(conf, "alert.wav"),
            "module_path /usr/lib/baresip/modules",
            "module g711.so",
            "module aufile.so",
            "module_app account.so",
            "module_app menu.so",
            ""));
        File.WriteAllText(Path.Combine(conf, "accounts"), $"<sip:u7@127.0.0.1:{lab.SipPort};transport=udp>;auth_pass=pw7;answermode=auto;regint=600\n");

        var psi = new ProcessStartInfo("baresip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(conf);
        using var baresip = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        baresip.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        baresip.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        baresip.BeginOutputReadLine();
        baresip.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            List<string>? contacts = null;
            while (DateTime.UtcNow < deadline && (!lab.Dump().TryGetValue("u7", out contacts) || contacts.Count == 0)) Thread.Sleep(250);
            Assert.True(contacts is { Count: 1 }, "baresip did not register: " + output);
            Assert.EndsWith("@127.0.0.1:" + N(baresipPort), contacts[0], StringComparison.Ordinal);

            // u1 calls u7: the proxy authenticates u1, finds baresip by lookup, baresip answers (auto-answer)
            var call = lab.InjectionFile("call.csv", ["1;pw1;7"]);
            Assert.Equal(1, lab.RunSipp("call-uac-auth.xml", call, 1, 1, OspreyProcess.FreePort(), timeout: TimeSpan.FromSeconds(30)).Ok);
            // baresip's output reaches us through a pipe read asynchronously: its line may trail SIPp's end
            var seen = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (DateTime.UtcNow < seen && !Contains(output, "Call established")) Thread.Sleep(50);
            lock (output) Assert.Contains("Call established", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!baresip.HasExited) baresip.Kill();
            baresip.WaitForExit(5000);
        }
    }

    private static bool Contains(System.Text.StringBuilder output, string text)
    {
        lock (output) return output.ToString().Contains(text, StringComparison.Ordinal);
    }

    [Fact]
    public void Sipsak_usrloc_mode_registers_with_the_password_and_is_refused_without_it()
    {
        using var lab = new RegistrarLab(10);
        using var osprey = lab.Start(withAuth: true);
        int goodPort = OspreyProcess.FreePort(), badPort = OspreyProcess.FreePort();

        var (rc, log) = Sipsak("-U", "-i", "-s", $"sip:u3@127.0.0.1:{lab.SipPort}", "-a", "pw3", "-l", N(goodPort));
        Assert.True(rc == 0, "sipsak -U with the password: exit " + rc + "\n" + log);
        Assert.Contains("sip:u3@127.0.0.1:" + N(goodPort), lab.Dump()["u3"]);

        (rc, log) = Sipsak("-U", "-i", "-s", $"sip:u4@127.0.0.1:{lab.SipPort}", "-a", "not-pw4", "-l", N(badPort));
        Assert.True(rc != 0, "sipsak -U with a wrong password succeeded:\n" + log);
        Assert.Contains("authorization failed", log, StringComparison.Ordinal);
        Assert.False(lab.Dump().ContainsKey("u4"));
    }

    private static (int Code, string Output) Sipsak(params string[] args)
    {
        var psi = new ProcessStartInfo("sipsak") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            Assert.Fail("sipsak did not finish");
        }
        return (p.ExitCode, so.Result + se.Result);
    }

    /// <summary>5 s of 8 kHz mono silence: baresip's audio source (the test machine has no sound card).</summary>
    private static void WriteSilence(string path)
    {
        const int Rate = 8000, Samples = Rate * 5;
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8);
        w.Write(36 + Samples * 2);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(Rate);
        w.Write(Rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(Samples * 2);
        w.Write(new byte[Samples * 2]);
    }
}
