using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace Osprey.Core.Tests.Dns;

/// <summary>
/// A real dnsmasq on 127.0.0.1 at a free high port, authoritative only for its own records
/// (no upstream; unknown names under .test get NXDOMAIN). Started with the options of
/// tests/dns/start-dnsmasq.sh and stopped by PID on dispose.
/// </summary>
public sealed class DnsmasqServer : IDisposable
{
    private readonly Process _process;

    public DnsmasqServer(params string[] records)
        : this(300, records)
    {
    }

    public DnsmasqServer(int localTtl, params string[] records)
    {
        var bin = Find() ?? throw new InvalidOperationException(
            "dnsmasq is not installed: run tests/dns/start-dnsmasq.sh --install as root (or apt-get install -y dnsmasq-base); ./test.sh installs it");
        for (int attempt = 0; ; attempt++)
        {
            Port = FreePort();
            var psi = new ProcessStartInfo(bin)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
            {
                "--keep-in-foreground", "--conf-file=/dev/null", $"--port={Port}", "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll", "--local=/test/", $"--local-ttl={localTtl}",
                "--log-facility=-", "--user=" + Environment.UserName,
            })
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var r in records)
            {
                psi.ArgumentList.Add(r);
            }

            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (Log) { Log.Add(e.Data); } } };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (WaitReady(p))
            {
                _process = p;
                return;
            }

            if (!p.HasExited)
            {
                p.Kill();
            }

            p.WaitForExit();
            if (attempt == 3)
            {
                throw new InvalidOperationException("dnsmasq did not start: " + string.Join('\n', Log));
            }
        }
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public List<string> Log { get; } = [];

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Makes dnsmasq re-read its --addn-hosts files (SIGHUP).</summary>
    public void Reload()
    {
        using var kill = Process.Start("kill", ["-HUP", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit(5000);
        _process.Dispose();
    }

    /// <summary>The DNS client the tests use: this server only, DnsClient's own cache off.</summary>
    public LookupClient Client(int timeoutMs = 1000, int retries = 1)
        => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, Port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            Retries = retries,
        });

    internal static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "dnsmasq")))
            {
                return Path.Combine(dir, "dnsmasq");
            }
        }

        return null;
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1.</summary>
    internal static int FreePort() => Osprey.Testing.TestPorts.Next();

    private bool WaitReady(Process p)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, Port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(200),
            Retries = 0,
        });
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (p.HasExited)
            {
                return false;
            }

            try
            {
                var r = client.Query("ready.test", QueryType.A);
                if (r.Header.ResponseCode is DnsHeaderResponseCode.NotExistentDomain or DnsHeaderResponseCode.NoError)
                {
                    return true;
                }
            }
            catch (DnsResponseException)
            {
                // not listening yet
            }

            Thread.Sleep(20);
        }

        return false;
    }
}

/// <summary>
/// Relays DNS datagrams to a real server after a delay, so a test can hold a query in flight
/// (coalescing, bounded waits) while the answer still comes from dnsmasq.
/// </summary>
public sealed class DelayingUdpProxy : IDisposable
{
    private readonly UdpClient _front = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _upstream;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private int _forwarded;

    public DelayingUdpProxy(IPEndPoint upstream, TimeSpan delay)
    {
        _upstream = upstream;
        _delay = delay;
        _ = Task.Run(LoopAsync);
    }

    public int Port => ((IPEndPoint)_front.Client.LocalEndPoint!).Port;

    /// <summary>Queries received from the client so far.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    public void Dispose()
    {
        _stop.Cancel();
        _front.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult r;
            try
            {
                r = await _front.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _forwarded);
            _ = RelayAsync(r.Buffer, r.RemoteEndPoint);
        }
    }

    private async Task RelayAsync(byte[] query, IPEndPoint client)
    {
        try
        {
            await Task.Delay(_delay, _stop.Token);
            using var up = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            await up.SendAsync(query, _upstream, _stop.Token);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(2000);
            var answer = await up.ReceiveAsync(timeout.Token);
            await _front.SendAsync(answer.Buffer, client, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // the test is over or dnsmasq did not answer: the client sees a timeout
        }
    }
}
