using Osprey.Core.Timers;

namespace Osprey.Modules.Tm;

/// <summary>A scheduled deadline of the transaction layer; default cancels nothing.</summary>
public readonly struct TmTimer
{
    internal TmTimer(object token) => Token = token;

    internal TmTimer(TimerHandle handle) => Handle = handle;

    /// <summary>Handle on the shared timing wheel.</summary>
    internal TimerHandle Handle { get; }

    /// <summary>Token of another scheduler (tests).</summary>
    internal object? Token { get; }

    public bool IsEmpty => Token is null && Handle.IsEmpty;
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

/// <summary>tm's deadlines on the server's hashed timing wheel (O(1) schedule and cancel, pooled entries).</summary>
public sealed class WheelTmScheduler(TimingWheel wheel) : ITmScheduler
{
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();

    public TimingWheel Wheel { get; } = wheel;

    public long NowMs => (long)System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public TmTimer Schedule(long delayMs, Action<object?> callback, object? state) => new(Wheel.Schedule(delayMs, callback, state));

    public void Cancel(TmTimer timer)
    {
        if (!timer.Handle.IsEmpty) Wheel.Cancel(timer.Handle);
    }
}
