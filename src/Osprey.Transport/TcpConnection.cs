using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Osprey.Transport;

/// <summary>
/// One TCP connection, accepted or opened by us. Reading: bytes go into a <see cref="Pipe"/>,
/// <see cref="StreamFramer"/> cuts messages and each is handed to the pipeline on this
/// connection's task. Writing: the caller's span is written straight to the non-blocking socket;
/// whatever the kernel does not take is copied to a queue that one async writer drains, so a slow
/// peer never blocks a UDP loop and writes never interleave.
/// </summary>
internal sealed class TcpConnection : IThreadPoolWorkItem
{
    private const int MinReadSize = 4096;
    private static readonly byte[] Pong = "\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly TcpConnectionTable _table;
    private readonly StreamFramer _framer;
    private readonly Lock _writeLock = new();
    private readonly Queue<(byte[] Buffer, int Length)> _pending = new();
    private int _pendingBytes;
    private bool _writerRunning;   // an async writer (or the connect) owns the head of the queue
    private bool _closeWhenDrained;
    private int _closed;
    private long _lastActivity;
    private Task _task = Task.CompletedTask;

    private TcpConnection(long id, Socket socket, ListenEndpoint listener, IPEndPoint remote, bool outbound, TcpConnectionTable table)
    {
        Id = id;
        _socket = socket;
        Listener = listener;
        Remote = remote;
        Outbound = outbound;
        _table = table;
        _framer = new StreamFramer(table.Options.MaxStreamMessageSize, table.Options.MaxStreamGarbage);
        CreatedTicks = Environment.TickCount64;
        _lastActivity = CreatedTicks;
    }

    public long Id { get; }
    public ListenEndpoint Listener { get; }
    public IPEndPoint Remote { get; }
    public IPEndPoint? Local { get; private set; }
    public bool Outbound { get; }
    public long CreatedTicks { get; }
    public long LastActivityTicks => Volatile.Read(ref _lastActivity);
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>The connection's read loop; completes when the connection is closed.</summary>
    public Task Completion => _task;

    /// <summary>An accepted connection; starts reading on the thread pool.</summary>
    public static TcpConnection Accepted(long id, Socket socket, ListenEndpoint listener, TcpConnectionTable table)
    {
        var c = new TcpConnection(id, socket, listener, (IPEndPoint)socket.RemoteEndPoint!, outbound: false, table)
        {
            Local = socket.LocalEndPoint as IPEndPoint,
        };
        return c;
    }

    /// <summary>An outbound connection; sends queue until the connect completes.</summary>
    public static TcpConnection Connecting(long id, ListenEndpoint listener, IPEndPoint remote, TcpConnectionTable table)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var c = new TcpConnection(id, socket, listener, remote, outbound: true, table)
        {
            _writerRunning = true, // the connect task flushes the queue once connected
        };
        return c;
    }

    /// <summary>Starts the connection's task on the thread pool, so the caller (accept loop, a sender) is not held up.</summary>
    public void Start() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => _task = Outbound ? ConnectAndRunAsync() : RunAsync();

    private async Task ConnectAndRunAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(_table.Options.TcpConnectTimeout);
            await _socket.ConnectAsync(Remote, cts.Token).ConfigureAwait(false);
            _socket.NoDelay = true;
            _socket.Blocking = false;
            Local = _socket.LocalEndPoint as IPEndPoint;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _table.Counters.TcpConnectFailures);
            lock (_writeLock)
            {
                _writerRunning = false;
                ReturnPending(); // what was queued for this peer is lost, as with any failed send
            }
            Close();
            return;
        }

        bool flush;
        lock (_writeLock)
        {
            flush = _pending.Count > 0;
            _writerRunning = flush;
        }
        if (flush)
            _ = WriteQueuedAsync();
        await RunAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: 0, // never pause: the framer bounds what stays buffered
            resumeWriterThreshold: 0,
            minimumSegmentSize: MinReadSize,
            useSynchronizationContext: false));
        var writer = pipe.Writer;
        var reader = pipe.Reader;
        try
        {
            while (!IsClosed)
            {
                // Wait for bytes before taking a buffer (a zero-byte receive completes when data is
                // there): a connection at rest, which is most of a keep-alive connection's life,
                // then holds no receive memory. Tens of thousands of idle registered clients would
                // otherwise pin a 4 KB block each.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                var memory = writer.GetMemory(MinReadSize);
                int n = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                    break; // peer closed
                writer.Advance(n);
                Volatile.Write(ref _lastActivity, Environment.TickCount64);
                await writer.FlushAsync().ConfigureAwait(false);
                if (!reader.TryRead(out var result))
                    continue;
                var buffer = result.Buffer;
                bool keep = Deliver(ref buffer);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (!keep)
                    break;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer reset the connection or we closed it.
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
            await reader.CompleteAsync().ConfigureAwait(false);
            Close();
        }
    }

    /// <summary>Frames and delivers every whole message in the buffer. False when the connection must be closed.</summary>
    private bool Deliver(ref ReadOnlySequence<byte> buffer)
    {
        var handler = _table.Handler;
        while (!IsClosed)
        {
            var status = _framer.Next(buffer, out long consumed, out var flags, out _);
            switch (status)
            {
                case FrameStatus.NeedMore:
                    return true;
                case FrameStatus.Error:
                    Interlocked.Increment(ref _table.Counters.TcpFramingErrors);
                    return false;
                case FrameStatus.Ping:
                    // RFC 5626 §4.4.1: answer a CRLFCRLF ping with a single CRLF pong.
                    Send(Pong);
                    break;
                case FrameStatus.Message:
                    Interlocked.Increment(ref _table.Counters.TcpMessagesReceived);
                    Dispatch(handler, buffer.Slice(0, consumed), flags);
                    break;
            }
            buffer = buffer.Slice(consumed);
        }
        return false;
    }

    private void Dispatch(IInboundHandler handler, in ReadOnlySequence<byte> message, InboundFlags flags)
    {
        byte[]? rented = null;
        ReadOnlyMemory<byte> data;
        if (message.IsSingleSegment)
        {
            data = message.First;
        }
        else
        {
            // The pipeline parses contiguous bytes; a message across segments is copied once.
            int length = (int)message.Length;
            rented = ArrayPool<byte>.Shared.Rent(length);
            message.CopyTo(rented);
            data = rented.AsMemory(0, length);
        }
        try
        {
            handler.OnMessage(new InboundMessage(data, Remote, Listener, Id, flags));
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _table.Counters.HandlerErrors);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes one message; never blocks. Order of calls is the order on the wire.</summary>
    public SendResult Send(ReadOnlySpan<byte> data)
    {
        bool fail = false;
        bool startWriter = false;
        lock (_writeLock)
        {
            if (IsClosed || _closeWhenDrained)
                return SendResult.Failed;

            if (!_writerRunning)
            {
                int sent;
                SocketError err;
                try
                {
                    sent = _socket.Send(data, SocketFlags.None, out err);
                }
                catch (ObjectDisposedException)
                {
                    return SendResult.Failed; // closed by another thread a moment ago
                }
                if (err == SocketError.Success && sent == data.Length)
                {
                    Volatile.Write(ref _lastActivity, Environment.TickCount64);
                    return SendResult.Sent;
                }
                if (err != SocketError.Success && err != SocketError.WouldBlock)
                    fail = true;
                else
                    data = data[Math.Max(sent, 0)..];
            }

            if (!fail)
            {
                if (_pendingBytes + data.Length > _table.Options.TcpMaxPendingWriteBytes)
                {
                    fail = true; // the peer does not read: give it up rather than buffer without end
                }
                else
                {
                    var copy = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
                    data.CopyTo(copy);
                    _pending.Enqueue((copy, data.Length));
                    _pendingBytes += data.Length;
                    if (!_writerRunning)
                    {
                        _writerRunning = true;
                        startWriter = true;
                    }
                }
            }
        }

        if (fail)
        {
            Interlocked.Increment(ref _table.Counters.TcpSendErrors);
            Close();
            return SendResult.Failed;
        }
        if (startWriter)
            _ = WriteQueuedAsync();
        return SendResult.Sent;
    }

    /// <summary>Drains the queue; the only writer while <see cref="_writerRunning"/> is set.</summary>
    private async Task WriteQueuedAsync()
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                int length;
                lock (_writeLock)
                {
                    if (IsClosed || _pending.Count == 0)
                    {
                        _writerRunning = false;
                        if (IsClosed)
                            ReturnPending();
                        break;
                    }
                    (buffer, length) = _pending.Peek();
                }

                int offset = 0;
                while (offset < length)
                    offset += await _socket.SendAsync(buffer.AsMemory(offset, length - offset), SocketFlags.None).ConfigureAwait(false);
                Volatile.Write(ref _lastActivity, Environment.TickCount64);

                lock (_writeLock)
                {
                    _pending.Dequeue();
                    _pendingBytes -= length;
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _table.Counters.TcpSendErrors);
            lock (_writeLock)
            {
                _writerRunning = false;
            }
            Close();
            return;
        }

        if (_closeWhenDrained)
            Close();
    }

    /// <summary>Closes once queued writes are out (so a reply sent just before is not lost).</summary>
    public void CloseGracefully()
    {
        lock (_writeLock)
        {
            if (_writerRunning)
            {
                _closeWhenDrained = true;
                return;
            }
        }
        Close();
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _table.Remove(this);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Not connected yet, or already reset: nothing to shut down.
        }
        _socket.Dispose();
        lock (_writeLock)
        {
            if (!_writerRunning)
                ReturnPending();
        }
    }

    private void ReturnPending()
    {
        while (_pending.TryDequeue(out var p))
            ArrayPool<byte>.Shared.Return(p.Buffer);
        _pendingBytes = 0;
    }

    public TcpConnectionInfo Info(long now) => new(
        Id, Listener, Local, Remote, Outbound,
        TimeSpan.FromMilliseconds(now - CreatedTicks),
        TimeSpan.FromMilliseconds(now - LastActivityTicks));
}
