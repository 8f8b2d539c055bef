using System.Numerics;
using System.Runtime.CompilerServices;

namespace Osprey.Core.Stats;

/// <summary>
/// A counter whose increments go to one of several cells, each on its own cache line; reads add
/// the cells. A thread picks its cell once (round-robin, kept in a thread-static), so the fixed
/// receive-loop threads each own a line and do not fight over one. Cells are still updated with
/// interlocked adds because more threads than cells may share one. A read concurrent with
/// increments sees each increment either fully or not at all.
/// <para>
/// Measured on the 2-core build box (ns per increment, 1 thread / 2 threads): one shared
/// interlocked cell 5.2 / 5.1, cell by <c>Thread.GetCurrentProcessorId</c> 6.3 / 6.5, cell by
/// thread slot 5.0 / 5.1. On two cores striping buys nothing but costs nothing in this form; it
/// is kept for larger machines, where a single line shared by every core does not scale.
/// </para>
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
        => ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_cells), ThreadSlot.Index * Stride);

    /// <summary>The calling thread's cell number, assigned round-robin on first use.</summary>
    private static class ThreadSlot
    {
        private static int _next;

        [ThreadStatic]
        private static int _slotPlusOne;

        public static int Index
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get
            {
                int s = _slotPlusOne;
                return s != 0 ? s - 1 : Assign();
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Assign()
        {
            int s = Interlocked.Increment(ref _next) & CellMask;
            _slotPlusOne = s + 1;
            return s;
        }
    }

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
