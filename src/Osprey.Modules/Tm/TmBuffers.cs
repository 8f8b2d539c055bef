namespace Osprey.Modules.Tm;

/// <summary>
/// Byte buffers for what a transaction keeps while it lives and lingers (its request, the edited copy
/// branches are built from, each branch's request, the last reply). Under load tens of thousands of
/// transactions hold one each, rented at creation and returned <c>wt_timer</c> later, often a whole timer
/// tick's worth at once: more than <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps, so its buffers
/// were new objects that every GC had to copy while the transaction lingered. This pool keeps what is
/// returned, so at a steady call rate buffers are reused and stay in the oldest generation. Each trim
/// lets a quarter of those not needed lately go, and all of them after
/// <see cref="IdleTrimsBeforeRelease"/> intervals without use (<see cref="Osprey.Core.Timers.FreeListTrimmer"/>),
/// so an idle server returns to its baseline while a lull of a few seconds, or a rate that climbs, does
/// not send the next calls to the allocator.
/// </summary>
internal static class TmBuffers
{
    private const int MinShift = 8; // 256 B
    private const int ClassCount = 9; // 256 B .. 64 KiB; larger buffers are allocated and dropped
    private const int MaxPerClass = 1 << 18; // what a lull hands back at once, kept for the calls after it

    /// <summary>Trims in a row without a buffer taken after which an idle pool lets go of everything.</summary>
    public const int IdleTrimsBeforeRelease = Osprey.Core.Timers.FreeListTrimmer.IdleTrims;

    private static readonly Bucket[] s_buckets = CreateBuckets();

    private static Bucket[] CreateBuckets()
    {
        var b = new Bucket[ClassCount];
        for (int i = 0; i < b.Length; i++) b[i] = new Bucket(1 << (MinShift + i));
        return b;
    }

    /// <summary>A buffer of at least <paramref name="length"/> bytes (its contents are not cleared).</summary>
    public static byte[] Rent(int length)
    {
        int cls = ClassOf(length);
        return cls < ClassCount ? s_buckets[cls].Take() : new byte[length];
    }

    /// <summary>Gives back a buffer from <see cref="Rent"/>; other arrays are ignored.</summary>
    public static void Return(byte[]? buffer)
    {
        if (buffer is null || buffer.Length < 1 << MinShift || (buffer.Length & (buffer.Length - 1)) != 0) return;
        int cls = ClassOf(buffer.Length);
        if (cls < ClassCount) s_buckets[cls].Put(buffer);
    }

    /// <summary>Lets go of the buffers that stayed unused since the previous trim (tm calls it every few
    /// seconds). Returns how many were dropped.</summary>
    public static int Trim()
    {
        int dropped = 0;
        foreach (var b in s_buckets) dropped += b.Trim();
        return dropped;
    }

    /// <summary>Buffers held for reuse, all classes (tests, diagnostics).</summary>
    public static int FreeCount
    {
        get
        {
            int n = 0;
            foreach (var b in s_buckets) n += b.Count;
            return n;
        }
    }

    private static int ClassOf(int length)
    {
        if (length <= 1 << MinShift) return 0;
        return 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(length - 1)) - MinShift;
    }

    private sealed class Bucket(int size)
    {
        private readonly Lock _gate = new();
        private byte[][] _items = new byte[16][];
        private int _count;
        private Osprey.Core.Timers.FreeListTrimmer _trimmer;

        public int Count => Volatile.Read(ref _count);

        public byte[] Take()
        {
            lock (_gate)
            {
                if (_count > 0)
                {
                    var b = _items[--_count];
                    _items[_count] = null!;
                    _trimmer.Took(_count);
                    return b;
                }
                _trimmer.Missed();
            }
            return new byte[size];
        }

        public void Put(byte[] buffer)
        {
            lock (_gate)
            {
                if (_count == _items.Length)
                {
                    if (_count >= MaxPerClass) return;
                    Array.Resize(ref _items, _count * 2);
                }
                _items[_count++] = buffer;
            }
        }

        public int Trim()
        {
            lock (_gate)
            {
                int drop = _trimmer.Trim(_count);
                for (int i = _count - drop; i < _count; i++) _items[i] = null!;
                if (drop > 0 && drop == _count && _items.Length > 16) _items = new byte[16][]; // all went: the list too
                _count -= drop;
                return drop;
            }
        }
    }
}
