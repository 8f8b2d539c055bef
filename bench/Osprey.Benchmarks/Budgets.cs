namespace Osprey.Benchmarks;

/// <summary>
/// Bytes a benchmark may allocate per operation: <see cref="Bytes"/> plus <see cref="Messages"/> times
/// the size of one <c>SipMessage</c> object, measured when the run starts (ARCHITECTURE.md: "hot paths
/// allocate nothing per message beyond the message itself"). A run that exceeds it fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AllocationBudgetAttribute(long bytes = 0) : Attribute
{
    public long Bytes { get; } = bytes;
    public int Messages { get; init; }
}

/// <summary>Least operations per second (on one core) a benchmark must sustain; a run below it fails.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ThroughputFloorAttribute(double operationsPerSecond) : Attribute
{
    public double OperationsPerSecond { get; } = operationsPerSecond;
}
