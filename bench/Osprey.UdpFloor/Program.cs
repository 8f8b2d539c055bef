using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Osprey.UdpFloor;

/// <summary>
/// The floor of the SIPp benchmark: answers every datagram with "SIP/2.0 200 OK" followed by the
/// request's own header block, so SIPp matches the reply (it goes by Call-ID and CSeq) while the
/// responder parses nothing. The status line is written over the tail of the request line, in the
/// receive buffer, and the reply is sent from there: per datagram one search for the first CRLF,
/// sixteen bytes copied, one recvfrom and one sendto. Sockets and threads are set up as Osprey's UDP
/// transport does (one SO_REUSEPORT socket and one blocking receive loop per worker), so the
/// difference between the two is what Osprey does with a message.
/// </summary>
internal static class Program
{
    private const int SolSocket = 1;     // SOL_SOCKET on Linux
    private const int SoReusePort = 15;  // SO_REUSEPORT on Linux

    private static ReadOnlySpan<byte> StatusLine => "SIP/2.0 200 OK\r\n"u8;

    private static int Main(string[] args)
    {
        IPEndPoint? listen = null;
        int workers = Environment.ProcessorCount;
        int receiveBuffer = 2 * 1024 * 1024;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "-l" when value is not null && IPEndPoint.TryParse(value, out var ep):
                    listen = ep; i++; break;
                case "-n" when value is not null && int.TryParse(value, out var n) && n > 0:
                    workers = n; i++; break;
                case "-b" when value is not null && int.TryParse(value, out var b) && b >= 0:
                    receiveBuffer = b; i++; break;
                default:
                    return Usage();
            }
        }
        if (listen is null || listen.Port == 0)
            return Usage();

        var sockets = new Socket[workers];
        try
        {
            for (int i = 0; i < workers; i++)
            {
                var s = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                if (receiveBuffer > 0)
                    s.ReceiveBufferSize = receiveBuffer;
                if (workers > 1 && OperatingSystem.IsLinux())
                    s.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                s.Bind(listen);
                sockets[i] = s;
                if (!OperatingSystem.IsLinux())
                    break; // elsewhere the loops share the first socket
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"udp-floor: cannot listen on {listen}: {e.Message}");
            return 1;
        }

        var threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            threads[i] = new Thread(Serve) { IsBackground = true, Name = "udp-floor-" + i };
            threads[i].Start(sockets[i] ?? sockets[0]);
        }
        Console.Error.WriteLine($"udp-floor: answering on udp:{listen} with {workers} loop(s), receive buffer {sockets[0].ReceiveBufferSize} bytes");

        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        stop.Wait();
        foreach (var s in sockets)
            s?.Dispose();
        return 0;
    }

    private static void Serve(object? state)
    {
        var socket = (Socket)state!;
        var buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        while (true)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException)
            {
                continue; // an ICMP error for an earlier send; the socket still works
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var datagram = buffer.AsSpan(0, n);
            int eol = datagram.IndexOf("\r\n"u8);
            int start = eol + 2 - StatusLine.Length;
            if (eol < 0 || start < 0)
                continue; // not a request line SIPp would send
            StatusLine.CopyTo(datagram[start..]);
            try
            {
                socket.SendTo(datagram[start..], SocketFlags.None, from);
            }
            catch (SocketException)
            {
                // the peer's buffer was full; SIPp retransmits, and counts it
            }
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: udp-floor -l ADDRESS:PORT [-n LOOPS] [-b RECEIVE_BUFFER_BYTES]");
        return 2;
    }
}
