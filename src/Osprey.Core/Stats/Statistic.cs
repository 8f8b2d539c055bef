namespace Osprey.Core.Stats;

/// <summary>Options of a statistic.</summary>
[Flags]
public enum StatFlags
{
    None = 0,

    /// <summary>Kept across <c>stats.reset_statistics</c> (Kamailio's STAT_NO_RESET).</summary>
    NoReset = 1,
}

/// <summary>What a statistic is.</summary>
public enum StatKind
{
    /// <summary>Only goes up (until reset); increments are striped per CPU.</summary>
    Counter,

    /// <summary>A value that is set or moved up and down.</summary>
    Gauge,

    /// <summary>A value computed on read by a callback (e.g. a table size).</summary>
    Computed,
}

/// <summary>
/// One named statistic in a group, in Kamailio's naming (<c>group:name</c>, e.g. <c>core:rcv_requests</c>).
/// Reading allocates nothing.
/// </summary>
public abstract class Statistic
{
    private protected Statistic(string group, string name, StatFlags flags)
    {
        Group = group;
        Name = name;
        Flags = flags;
        FullName = group + ":" + name;
    }

    public string Group { get; }
    public string Name { get; }

    /// <summary><c>group:name</c>, built once.</summary>
    public string FullName { get; }
    public StatFlags Flags { get; }
    public abstract StatKind Kind { get; }

    /// <summary>Current value.</summary>
    public abstract long Read();

    /// <summary>Sets the value to 0, unless <see cref="StatFlags.NoReset"/>; returns whether it reset.</summary>
    public bool Reset()
    {
        if ((Flags & StatFlags.NoReset) != 0)
        {
            return false;
        }

        ResetCore();
        return true;
    }

    private protected abstract void ResetCore();
}

/// <summary>A gauge that is set or adjusted atomically.</summary>
public sealed class StatGauge : Statistic
{
    private long _value;

    internal StatGauge(string group, string name, StatFlags flags) : base(group, name, flags)
    {
    }

    public override StatKind Kind => StatKind.Gauge;

    public void Set(long value) => Volatile.Write(ref _value, value);

    public void Add(long delta) => Interlocked.Add(ref _value, delta);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Decrement() => Interlocked.Decrement(ref _value);

    public override long Read() => Volatile.Read(ref _value);

    private protected override void ResetCore() => Volatile.Write(ref _value, 0);
}

/// <summary>A value computed on each read by a callback with a state object (no closure needed).</summary>
public sealed class ComputedStatistic : Statistic
{
    private readonly Func<object?, long> _read;
    private readonly object? _state;

    internal ComputedStatistic(string group, string name, StatFlags flags, Func<object?, long> read, object? state)
        : base(group, name, flags | StatFlags.NoReset)
    {
        _read = read;
        _state = state;
    }

    public override StatKind Kind => StatKind.Computed;

    public override long Read() => _read(_state);

    private protected override void ResetCore()
    {
        // A computed value has nothing to reset; it is always NoReset.
    }
}
