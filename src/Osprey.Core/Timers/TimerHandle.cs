namespace Osprey.Core.Timers;

/// <summary>
/// Identifies one scheduled timer for <see cref="TimingWheel.Cancel"/>. Entries are pooled; the
/// generation number makes a stale handle (timer already fired or cancelled, entry reused) harmless.
/// </summary>
public readonly struct TimerHandle : IEquatable<TimerHandle>
{
    internal TimerHandle(TimerEntry entry, int generation)
    {
        Entry = entry;
        Generation = generation;
    }

    internal TimerEntry? Entry { get; }
    internal int Generation { get; }

    /// <summary>True for <c>default(TimerHandle)</c>, which cancels nothing.</summary>
    public bool IsEmpty => Entry is null;

    public bool Equals(TimerHandle other) => ReferenceEquals(Entry, other.Entry) && Generation == other.Generation;

    public override bool Equals(object? obj) => obj is TimerHandle h && Equals(h);

    public override int GetHashCode() => HashCode.Combine(Entry, Generation);

    public static bool operator ==(TimerHandle left, TimerHandle right) => left.Equals(right);

    public static bool operator !=(TimerHandle left, TimerHandle right) => !left.Equals(right);
}

/// <summary>A pooled timer: linked into one slot of the wheel while scheduled.</summary>
internal sealed class TimerEntry
{
    public const int Free = 0;
    public const int Scheduled = 1;
    public const int Firing = 2;

    public long Deadline;
    public Action<object?>? Callback;
    public object? State;
    public int Generation;
    public int Status;
    public int SlotIndex = -1;
    public TimerEntry? Prev;
    public TimerEntry? Next;
}
