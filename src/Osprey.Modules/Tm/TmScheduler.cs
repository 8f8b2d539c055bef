namespace Osprey.Modules.Tm;

/// <summary>A scheduled deadline of the transaction layer; default cancels nothing.</summary>
public readonly struct TmTimer
{
    internal TmTimer(object token) => Token = token;

    internal object? Token { get; }

    public bool IsEmpty => Token is null;
}

/// <summary>
/// Where tm's deadlines live (RFC 3261 §17 timers A–K, fr/fr_inv, wait, lifetime). In the server this
/// is the shared timing wheel; tests drive a manual clock. Callbacks must tolerate firing after a
/// cancel that lost the race: tm re-checks each deadline against <see cref="NowMs"/> and the state.
/// </summary>
public interface ITmScheduler
{
    /// <summary>Milliseconds on a monotonic clock.</summary>
    long NowMs { get; }

    TmTimer Schedule(long delayMs, Action<object?> callback, object? state);

    void Cancel(TmTimer timer);
}

/// <summary>
/// Stand-in for the shared timing wheel until it lands in main: one thread, a priority queue of
/// deadlines, cancellation by flag. Not allocation-free (one entry per deadline).
/// </summary>
internal sealed class ThreadTmScheduler : ITmScheduler, IDisposable
{
    private sealed class Entry(long due, Action<object?> callback, object? state)
    {
        public readonly long Due = due;
        public readonly Action<object?> Callback = callback;
        public readonly object? State = state;
        public volatile bool Cancelled;
    }

    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private volatile bool _stopped;

    public ThreadTmScheduler()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "osprey-tm-timer" };
        _thread.Start();
    }

    public long NowMs => (long)System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public TmTimer Schedule(long delayMs, Action<object?> callback, object? state)
    {
        var e = new Entry(NowMs + Math.Max(0, delayMs), callback, state);
        bool first;
        lock (_gate)
        {
            _queue.Enqueue(e, e.Due);
            first = _queue.Peek() == e;
        }
        if (first) _wake.Set();
        return new TmTimer(e);
    }

    public void Cancel(TmTimer timer)
    {
        if (timer.Token is Entry e) e.Cancelled = true;
    }

    private void Run()
    {
        while (!_stopped)
        {
            Entry? due = null;
            int wait = 1000;
            lock (_gate)
            {
                while (_queue.TryPeek(out var e, out var at))
                {
                    if (e.Cancelled) { _queue.Dequeue(); continue; }
                    long now = NowMs;
                    if (at <= now) { due = _queue.Dequeue(); }
                    else wait = (int)Math.Min(1000, at - now);
                    break;
                }
            }
            if (due is null)
            {
                _wake.WaitOne(wait);
                continue;
            }
            try
            {
                due.Callback(due.State);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.Error.WriteLine("osprey: tm timer callback failed: " + ex);
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread) _thread.Join();
        _wake.Dispose();
    }
}
