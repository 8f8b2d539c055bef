using System.Buffers;

namespace Osprey.Sip.Builder;

/// <summary>Bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>; dispose to return it.</summary>
public struct PooledBytes : IDisposable
{
    private byte[]? _array;

    public PooledBytes(int capacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        Length = 0;
    }

    public int Length { get; set; }
    public readonly byte[] Array => _array ?? [];
    public readonly ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);
    public readonly ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);
    public readonly Span<byte> Free => _array.AsSpan(Length);

    public void Dispose()
    {
        var a = _array;
        _array = null;
        if (a is not null) ArrayPool<byte>.Shared.Return(a);
    }
}
