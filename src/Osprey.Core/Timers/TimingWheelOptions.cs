namespace Osprey.Core.Timers;

/// <summary>Settings of a <see cref="TimingWheel"/>.</summary>
public sealed class TimingWheelOptions
{
    /// <summary>Resolution of the wheel: a deadline fires within one tick after it is due. Default 10 ms.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Number of slots (rounded up to a power of two). One revolution is Tick × SlotCount; longer
    /// delays stay in their slot and are skipped until their round comes. Default 4096 (about 41 s at 10 ms).
    /// </summary>
    public int SlotCount { get; init; } = 4096;

    /// <summary>Called on the wheel thread when a callback throws; the wheel keeps running either way.</summary>
    public Action<Exception>? OnCallbackException { get; init; }

    public string ThreadName { get; init; } = "osprey-timer";
}
