using System.Collections.Concurrent;
using System.Net;

namespace Osprey.Transport;

/// <summary>
/// All open TCP connections, by id and by remote endpoint (RFC 3261 §18: a response or a further
/// request to a peer reuses the connection the peer opened). Enforces <c>tcp_max_connections</c>
/// and closes connections idle longer than <c>tcp_connection_lifetime</c>.
/// </summary>
internal sealed class TcpConnectionTable : IDisposable
{
    private readonly ConcurrentDictionary<long, TcpConnection> _byId = new();
    private readonly ConcurrentDictionary<IPEndPoint, TcpConnection> _byRemote = new();
    private readonly Lock _connectLock = new();
    private readonly Timer _sweeper;
    private readonly TimeSpan _sweepPeriod;
    private int _sweeping; // 1 while the sweeper is armed: only while there are connections
    private long _lastId;
    private int _count; // open plus reserved slots

    public TcpConnectionTable(TransportOptions options, CounterSet counters, IInboundHandler handler)
    {
        Options = options;
        Counters = counters;
        Handler = handler;
        // Sweep often enough that a connection lives at most ~25% past its lifetime.
        // It stays disarmed while the table is empty: a server without TCP traffic should not wake a
        // thread-pool worker every second (on a busy core that wake-up costs the UDP loops latency).
        _sweepPeriod = TimeSpan.FromTicks(Math.Clamp(options.TcpConnectionLifetime.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweeper = new Timer(static s => ((TcpConnectionTable)s!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void ArmSweeper()
    {
        if (Volatile.Read(ref _sweeping) == 0 && Interlocked.Exchange(ref _sweeping, 1) == 0)
            _sweeper.Change(_sweepPeriod, _sweepPeriod);
    }

    public TransportOptions Options { get; }
    public CounterSet Counters { get; }
    public IInboundHandler Handler { get; }
    public int Count => Volatile.Read(ref _count);

    public long NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>Takes a slot for a new connection; false (and counted as refused) when the table is full.</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) > Options.TcpMaxConnections)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref Counters.TcpConnectionsRefused);
            return false;
        }
        return true;
    }

    /// <summary>Gives back a slot taken by <see cref="TryReserve"/> that was not used.</summary>
    public void Release() => Interlocked.Decrement(ref _count);

    /// <summary>Registers a connection for which <see cref="TryReserve"/> succeeded.</summary>
    public void Add(TcpConnection c)
    {
        _byId[c.Id] = c;
        _byRemote[c.Remote] = c; // the newest connection to a peer wins
        Interlocked.Increment(ref Counters.TcpConnectionsOpened);
        ArmSweeper();
    }

    public void Remove(TcpConnection c)
    {
        if (_byId.TryRemove(new KeyValuePair<long, TcpConnection>(c.Id, c)))
        {
            _byRemote.TryRemove(new KeyValuePair<IPEndPoint, TcpConnection>(c.Remote, c));
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref Counters.TcpConnectionsClosed);
        }
    }

    public TcpConnection? Find(long id) =>
        _byId.TryGetValue(id, out var c) && !c.IsClosed ? c : null;

    public TcpConnection? Find(IPEndPoint remote) =>
        _byRemote.TryGetValue(remote, out var c) && !c.IsClosed ? c : null;

    /// <summary>
    /// The connection to <paramref name="remote"/>, opening one when there is none. Serialised so
    /// that two senders racing to a new peer share one connection. Null when the table is full.
    /// </summary>
    public TcpConnection? GetOrConnect(IPEndPoint remote, ListenEndpoint listener)
    {
        lock (_connectLock)
        {
            var c = Find(remote);
            if (c is not null)
                return c;
            if (!TryReserve())
                return null;
            c = TcpConnection.Connecting(NextId(), listener, new IPEndPoint(remote.Address, remote.Port), this);
            Add(c);
            c.Start();
            return c;
        }
    }

    public List<TcpConnectionInfo> Snapshot()
    {
        long now = Environment.TickCount64;
        var list = new List<TcpConnectionInfo>(_byId.Count);
        foreach (var kv in _byId)
            list.Add(kv.Value.Info(now));
        list.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return list;
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        long lifetime = (long)Options.TcpConnectionLifetime.TotalMilliseconds;
        foreach (var kv in _byId)
        {
            if (now - kv.Value.LastActivityTicks > lifetime)
                kv.Value.Close();
        }
        if (_byId.IsEmpty)
        {
            // disarm, then look again: a connection added meanwhile either re-arms after this (its
            // Add saw 0) or is seen by the second look (its Add saw 1)
            _sweeper.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Volatile.Write(ref _sweeping, 0);
            if (!_byId.IsEmpty)
                ArmSweeper();
        }
    }

    /// <summary>Closes every connection and returns their tasks so the host can wait for them.</summary>
    public List<Task> CloseAll()
    {
        _sweeper.Dispose();
        var tasks = new List<Task>();
        foreach (var kv in _byId)
        {
            kv.Value.Close();
            tasks.Add(kv.Value.Completion);
        }
        return tasks;
    }

    public void Dispose() => _sweeper.Dispose();
}
