namespace Osprey.Core.Timers;

/// <summary>
/// How many free items a pool lets go at each periodic trim (tm's buffers, the timer wheel's entries).
/// What a pool holds for a transaction comes back seconds later (wt_timer), so the fewest free items over
/// one trim interval says little: while a rate climbs, or after a lull handed everything back, the free
/// list drains for a whole transaction lifetime before returns refill it. The trimmer takes the fewest
/// free items over the last <see cref="Window"/> intervals as "not needed" and lets a quarter of them go
/// per trim; after <see cref="IdleTrims"/> trims with nothing taken, all. The caller holds its pool's lock
/// around every call.
/// </summary>
public struct FreeListTrimmer
{
    /// <summary>Trim intervals whose lowest free count is remembered.</summary>
    public const int Window = 5;

    /// <summary>Trims in a row without a take after which everything goes.</summary>
    public const int IdleTrims = 5;

    private int[]? _ring; // the lowest free count of each of the last Window intervals
    private int _next;
    private int _low;
    private bool _taken;
    private int _idle;

    /// <summary>An item was taken; <paramref name="freeAfter"/> are left.</summary>
    public void Took(int freeAfter)
    {
        _taken = true;
        if (freeAfter < _low) _low = freeAfter;
    }

    /// <summary>A take found the pool empty (the caller allocated).</summary>
    public void Missed()
    {
        _taken = true;
        _low = 0;
    }

    /// <summary>How many of the <paramref name="free"/> items to let go now; starts the next interval.</summary>
    public int Trim(int free)
    {
        _ring ??= new int[Window]; // zeros: nothing goes before a full window of history
        _ring[_next] = _low;
        _next = (_next + 1) % Window;
        int lows = int.MaxValue;
        foreach (int l in _ring) lows = Math.Min(lows, l);
        _idle = _taken ? 0 : _idle + 1;
        int drop = _idle >= IdleTrims ? free : Math.Min(free, (lows + 3) / 4);
        _taken = false;
        _low = free - drop;
        if (drop > 0)
        {
            // what goes is no longer free: the remembered lows shrink with it
            for (int i = 0; i < Window; i++) _ring[i] = Math.Max(0, _ring[i] - drop);
        }
        return drop;
    }
}
