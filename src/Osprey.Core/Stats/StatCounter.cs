using System.Numerics;
using System.Runtime.CompilerServices;

namespace Osprey.Core.Stats;

/// <summary>
/// A counter whose increments go to one of several cells picked by the current CPU, each on its
/// own cache line, so threads on different cores do not fight over one line; reads add the cells.
/// Cells are still updated with interlocked adds because two threads can run on the same CPU
/// number in turn. A read concurrent with increments sees each increment either fully or not at all.
/// </summary>
public sealed class StatCounter : Statistic
{
    // 16 longs = 128 bytes between cells: one cache line plus the adjacent-line prefetch pair.
    private const int Stride = 16;
    private static readonly int CellMask = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount)) - 1;

    private readonly long[] _cells;

    internal StatCounter(string group, string name, StatFlags flags) : base(group, name, flags)
    {
        _cells = new long[(CellMask + 1) * Stride];
    }

    public override StatKind Kind => StatKind.Counter;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment() => Interlocked.Increment(ref Cell());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long value) => Interlocked.Add(ref Cell(), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref long Cell()
        => ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_cells), (Thread.GetCurrentProcessorId() & CellMask) * Stride);

    public override long Read()
    {
        long sum = 0;
        for (int i = 0; i < _cells.Length; i += Stride)
        {
            sum += Volatile.Read(ref _cells[i]);
        }

        return sum;
    }

    private protected override void ResetCore()
    {
        // Like Kamailio's reset: increments racing with it may survive. Exchange keeps each cell consistent.
        for (int i = 0; i < _cells.Length; i += Stride)
        {
            Interlocked.Exchange(ref _cells[i], 0);
        }
    }
}
