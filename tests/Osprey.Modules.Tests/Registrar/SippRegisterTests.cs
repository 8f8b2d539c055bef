using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Data;
using Osprey.Data.Schema;
using Osprey.Modules.Auth;
using Osprey.Modules.AuthDb;
using Osprey.Modules.Registrar;
using Osprey.Modules.Usrloc;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Registrar;

/// <summary>
/// SIPp against a real UDP listener on 127.0.0.1 whose request route is the usual kamailio.cfg
/// REGISTER block written in C# (www_authorize → www_challenge / save), until the cfg compiler can
/// run the same block from a script. OPTIONS are answered 200 (the bench readiness probe).
/// OSPREY_SIPP_CALLS and OSPREY_SIPP_RATE change the load (defaults 2000 at 1000/s).
/// </summary>
public sealed class SippRegisterTests
{
    private sealed class RegisterRoute(UsrlocModule ul, RegistrarModule reg, AuthModule? auth, AuthDbModule? authDb) : IMessageRouter
    {
        public UsrlocModule Ul => ul;

        public void OnRequest(MessageContext ctx)
        {
            var m = ctx.Message;
            if (m.Method == SipMethod.Options)
            {
                ctx.Server.Replier.Reply(ctx, 200, "OK"u8);
                return;
            }
            if (m.Method != SipMethod.Register)
            {
                ctx.Server.Replier.Reply(ctx, 404, "Not Here"u8);
                return;
            }
            if (auth is not null && authDb!.WwwAuthorize(ctx, "", "subscriber") < 0)
            {
                auth.WwwChallenge(ctx, "", "0");
                return;
            }
            if (auth is not null) auth.ConsumeCredentials(ctx);
            if (reg.Save(ctx, "location") < 0) { }
        }

        public bool OnReply(MessageContext ctx) => false;
    }

    private static int FreeUdpPort() => Osprey.Testing.TestPorts.Next();

    private static string ScenarioDir() => Path.Combine(AppContext.BaseDirectory, "Scenarios");

    private static int Env(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    [Theory]
    [InlineData("register.xml", false)]
    [InlineData("register-auth.xml", true)]
    public async Task Sipp_registrations_all_succeed_and_are_in_the_location_table(string scenario, bool withAuth)
    {
        int calls = Env("OSPREY_SIPP_CALLS", 2000), rate = Env("OSPREY_SIPP_RATE", 1000);
        int users = Math.Min(calls, 5000);
        var dir = Directory.CreateTempSubdirectory("osprey-sipp-reg-");
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var ul = new UsrlocModule { Server = server };
        var reg = new RegistrarModule { Server = server, Usrloc = ul };
        AuthModule? auth = null;
        AuthDbModule? authDb = null;
        TransportHost? transport = null;
        try
        {
            Assert.Null(ul.Init());
            Assert.Null(reg.Init());
            Assert.Null(reg.BindTable("location"));
            if (withAuth)
            {
                var url = "sqlite://" + Path.Combine(dir.FullName, "auth.db");
                Assert.True(Database.TryOpen(url, out var db, out _));
                using (db)
                {
                    new SchemaCreator(db).Create([KamailioSchema.Subscriber]);
                    db.InTransaction(tx =>
                    {
                        for (int i = 0; i < users; i++)
                        {
                            tx.Insert("subscriber", [new("username", "u" + i), new("domain", "127.0.0.1"), new("password", "pw" + i), new("ha1", ""), new("ha1b", "")]);
                        }
                    });
                }
                auth = new AuthModule { Server = server, Secret = "sipp-test-secret-0123456789abcdef" };
                Assert.Null(auth.Init());
                authDb = new AuthDbModule { Server = server, Auth = auth, DbUrl = url, CalculateHa1 = 1, PasswordColumn = "password" };
                Assert.Null(authDb.Init());
            }
            server.SetRouter(new RegisterRoute(ul, reg, auth, authDb));
            int port = FreeUdpPort();
            var options = new TransportOptions();
            options.Listen.Add(new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, port)));
            transport = new TransportHost(options);
            Assert.True(transport.TryStart(server, out var err), err);
            server.AttachTransport(transport, transport.Listeners);

            var csv = Path.Combine(dir.FullName, "users.csv");
            using (var w = new StreamWriter(csv))
            {
                w.WriteLine("SEQUENTIAL");
                for (int i = 0; i < users; i++) w.WriteLine(i.ToString(CultureInfo.InvariantCulture) + ";pw" + i.ToString(CultureInfo.InvariantCulture));
            }
            var psi = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.FullName };
            foreach (var a in new[]
                     {
                         "-sf", Path.Combine(ScenarioDir(), scenario), "-inf", csv, "-i", "127.0.0.1", "-p", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
                         "-m", calls.ToString(CultureInfo.InvariantCulture), "-r", rate.ToString(CultureInfo.InvariantCulture), "-l", "2000",
                         "-timeout", "120s", "-trace_stat", "-trace_err", "-nostdin", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                     })
            {
                psi.ArgumentList.Add(a);
            }
            var sw = Stopwatch.StartNew();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(180_000), "sipp did not finish");
            if (!p.HasExited) p.Kill();
            await Task.WhenAll(so, se);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            var errors = Directory.GetFiles(dir.FullName, "*_errors.log");
            string errText = errors.Length > 0 ? File.ReadAllText(errors[0]) : "";
            Assert.True(p.ExitCode == 0, $"sipp exit {p.ExitCode}: {se.Result}\n{errText[..Math.Min(errText.Length, 3000)]}");
            var stat = Directory.GetFiles(dir.FullName, "*_.csv");
            var lines = File.ReadAllLines(stat[0]);
            var head = lines[0].Split(';');
            var last = lines[^1].Split(';');
            int ok = int.Parse(last[Array.IndexOf(head, "SuccessfulCall(C)")], CultureInfo.InvariantCulture);
            int failed = int.Parse(last[Array.IndexOf(head, "FailedCall(C)")], CultureInfo.InvariantCulture);
            Assert.Equal(calls, ok);
            Assert.Equal(0, failed);
            Assert.Equal(users, ul.Table("location").Users);
            Assert.Equal(users, ul.Table("location").Contacts);
            Console.WriteLine($"sipp {scenario}: {calls} calls at {rate}/s in {sw.Elapsed.TotalSeconds:F1} s, test process CPU {cpu.TotalMilliseconds / calls * 1000 / 1000:F3} ms/call");
        }
        finally
        {
            if (transport is not null) await transport.DisposeAsync();
            authDb?.Dispose();
            ul.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(true);
        }
    }
}
