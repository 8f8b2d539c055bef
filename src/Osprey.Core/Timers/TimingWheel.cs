using System.Diagnostics;
using System.Numerics;

namespace Osprey.Core.Timers;

/// <summary>
/// One hashed timing wheel for every deadline in the server: retransmissions (RFC 3261 §17 T1/T2
/// timers), transaction timeouts, contact and dialog expiry. Scheduling and cancelling are O(1)
/// and may happen from any thread; each slot has its own lock, so threads contend only when they
/// hit the same slot. Timer entries are pooled, so a steady state allocates nothing.
/// <para>
/// Callbacks run on the wheel's own thread, one after another: they must be short and must not
/// block (hand longer work to another thread). Pass data through the state argument rather than
/// capturing it in a closure. A timer fires no earlier than its delay, and usually within one
/// tick after it.
/// </para>
/// </summary>
public sealed class TimingWheel : IDisposable
{
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly long _tickTicks;
    private readonly Action<Exception>? _onException;
    private readonly Lock _poolGate = new();
    private readonly Thread? _thread;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0); // no spinning: the tick should not take a busy core from the receive loops
    private readonly long _startTimestamp;
    private TimerEntry? _pool;
    private int _poolCount;

    // Free entries kept for reuse. A lull of a few seconds hands back every entry the lingering
    // transactions held; they are kept for the calls that follow (new entries are what the GC copies).
    // Every PoolTrimInterval the entries not needed lately go a quarter at a time, all of them once
    // unused for a while (FreeListTrimmer), so memory returns to its baseline.
    private const int MaxPooled = 1 << 18;
    private static readonly TimeSpan PoolTrimInterval = TimeSpan.FromSeconds(2);
    private FreeListTrimmer _poolTrimmer;
    private readonly long _poolTrimTicks; // PoolTrimInterval in wheel ticks
    private long _processedTick;
    private int _pending;
    private volatile bool _disposed;

    private sealed class Slot
    {
        public readonly Lock Gate = new();
        public TimerEntry? Head;
        public TimerEntry? Tail;
    }

    /// <summary>Creates the wheel and starts its thread.</summary>
    public TimingWheel(TimingWheelOptions? options = null)
        : this(options ?? new TimingWheelOptions(), startThread: true)
    {
    }

    /// <summary>Without a thread the wheel only moves when <see cref="AdvanceTicks"/> is called (tests).</summary>
    internal TimingWheel(TimingWheelOptions options, bool startThread)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Tick, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SlotCount, 1);
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)options.SlotCount);
        _slots = new Slot[slots];
        for (int i = 0; i < slots; i++)
        {
            _slots[i] = new Slot();
        }

        _mask = slots - 1;
        _tickTicks = options.Tick.Ticks;
        _poolTrimTicks = Math.Max(1, PoolTrimInterval.Ticks / _tickTicks);
        Tick = options.Tick;
        _onException = options.OnCallbackException;
        _startTimestamp = Stopwatch.GetTimestamp();
        if (startThread)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = options.ThreadName };
            _thread.Start();
        }
    }

    public TimeSpan Tick { get; }

    /// <summary>Number of slots (a power of two).</summary>
    public int SlotCount => _slots.Length;

    /// <summary>Timers scheduled and not yet fired or cancelled.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>The last tick the wheel has processed (ticks since it was created).</summary>
    internal long CurrentTick => Volatile.Read(ref _processedTick);

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) to run on the wheel thread after <paramref name="delay"/>.</summary>
    public TimerHandle Schedule(TimeSpan delay, Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Round up so a timer never fires early; at least one tick so it never lands in the slot being processed.
        long ticks = delay <= TimeSpan.Zero ? 1 : Math.Max(1, (delay.Ticks + _tickTicks - 1) / _tickTicks);
        var entry = Rent();
        entry.Callback = callback;
        entry.State = state;
        while (true)
        {
            long deadline = Volatile.Read(ref _processedTick) + ticks;
            int index = (int)(deadline & _mask);
            var slot = _slots[index];
            lock (slot.Gate)
            {
                // The wheel publishes each processed tick under that tick's slot lock, so if it has
                // not reached `deadline` yet as seen here, it cannot process this slot for it until we leave.
                if (deadline <= Volatile.Read(ref _processedTick))
                {
                    continue;
                }

                entry.Deadline = deadline;
                entry.SlotIndex = index;
                entry.Status = TimerEntry.Scheduled;
                entry.Next = null;
                entry.Prev = slot.Tail;
                if (slot.Tail is null)
                {
                    slot.Head = entry;
                }
                else
                {
                    slot.Tail.Next = entry;
                }

                slot.Tail = entry;
                Interlocked.Increment(ref _pending);
                return new TimerHandle(entry, entry.Generation);
            }
        }
    }

    /// <summary>Schedules with a delay in milliseconds.</summary>
    public TimerHandle Schedule(long delayMilliseconds, Action<object?> callback, object? state)
        => Schedule(TimeSpan.FromMilliseconds(delayMilliseconds), callback, state);

    /// <summary>
    /// Cancels a scheduled timer in O(1). Returns false, doing nothing, when the timer already fired,
    /// is firing, was cancelled, or the handle is empty.
    /// </summary>
    public bool Cancel(TimerHandle handle)
    {
        var entry = handle.Entry;
        if (entry is null)
        {
            return false;
        }

        int index = Volatile.Read(ref entry.SlotIndex);
        if (index < 0)
        {
            return false;
        }

        var slot = _slots[index];
        lock (slot.Gate)
        {
            if (entry.Generation != handle.Generation || entry.Status != TimerEntry.Scheduled || entry.SlotIndex != index)
            {
                return false;
            }

            Unlink(slot, entry);
            entry.Status = TimerEntry.Free;
            entry.SlotIndex = -1;
        }

        Interlocked.Decrement(ref _pending);
        Release(entry);
        return true;
    }

    /// <summary>Processes <paramref name="ticks"/> ticks on the calling thread; returns how many timers fired.</summary>
    internal int AdvanceTicks(int ticks)
    {
        int fired = 0;
        for (int i = 0; i < ticks; i++)
        {
            fired += ProcessTick(Volatile.Read(ref _processedTick) + 1);
        }

        return fired;
    }

    private int ProcessTick(long tick)
    {
        if (tick % _poolTrimTicks == 0) TrimPool();
        var slot = _slots[tick & _mask];
        TimerEntry? fireHead = null, fireTail = null;
        lock (slot.Gate)
        {
            Volatile.Write(ref _processedTick, tick);
            var e = slot.Head;
            while (e is not null)
            {
                var next = e.Next;
                if (e.Deadline <= tick)
                {
                    Unlink(slot, e);
                    e.Status = TimerEntry.Firing;
                    e.SlotIndex = -1;
                    e.Next = null;
                    if (fireTail is null)
                    {
                        fireHead = e;
                    }
                    else
                    {
                        fireTail.Next = e;
                    }

                    fireTail = e;
                }

                e = next;
            }
        }

        int fired = 0;
        while (fireHead is not null)
        {
            var e = fireHead;
            fireHead = e.Next;
            var callback = e.Callback!;
            var state = e.State;
            Interlocked.Decrement(ref _pending);
            Release(e);
            fired++;
            try
            {
                callback(state);
            }
            catch (Exception ex)
            {
                // A callback bug must not stop every other timer in the server.
                _onException?.Invoke(ex);
            }
        }

        return fired;
    }

    private static void Unlink(Slot slot, TimerEntry e)
    {
        if (e.Prev is null)
        {
            slot.Head = e.Next;
        }
        else
        {
            e.Prev.Next = e.Next;
        }

        if (e.Next is null)
        {
            slot.Tail = e.Prev;
        }
        else
        {
            e.Next.Prev = e.Prev;
        }

        e.Prev = null;
        e.Next = null;
    }

    private TimerEntry Rent()
    {
        lock (_poolGate)
        {
            var e = _pool;
            if (e is not null)
            {
                _pool = e.Next;
                _poolCount--;
                _poolTrimmer.Took(_poolCount);
                e.Next = null;
                return e;
            }
            _poolTrimmer.Missed();
        }

        return new TimerEntry();
    }

    private void Release(TimerEntry e)
    {
        e.Callback = null;
        e.State = null;
        e.Status = TimerEntry.Free;
        lock (_poolGate)
        {
            // A new generation invalidates every handle given out for the previous use.
            e.Generation++;
            if (_poolCount < MaxPooled)
            {
                e.Next = _pool;
                _pool = e;
                _poolCount++;
            }
        }
    }

    /// <summary>Lets go of free entries not needed lately (see <see cref="MaxPooled"/>).</summary>
    private void TrimPool()
    {
        lock (_poolGate)
        {
            int drop = _poolTrimmer.Trim(_poolCount);
            for (int i = 0; i < drop && _pool is not null; i++)
            {
                var e = _pool;
                _pool = e.Next;
                e.Next = null;
                _poolCount--;
            }
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            long elapsed = Stopwatch.GetElapsedTime(_startTimestamp).Ticks;
            long target = elapsed / _tickTicks;
            while (Volatile.Read(ref _processedTick) < target && !_disposed)
            {
                ProcessTick(Volatile.Read(ref _processedTick) + 1);
            }

            long untilNext = ((target + 1) * _tickTicks) - Stopwatch.GetElapsedTime(_startTimestamp).Ticks;
            int waitMs = (int)Math.Clamp((untilNext + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, 1, 1000);
            _wake.Wait(waitMs);
        }
    }

    /// <summary>Stops the wheel thread. Timers still pending are dropped without firing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _wake.Set();
        if (_thread is null)
        {
            _wake.Dispose();
        }
        else if (_thread != Thread.CurrentThread)
        {
            _thread.Join();
            _wake.Dispose();
        }
    }
}
