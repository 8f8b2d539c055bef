using System.Buffers;
using System.Text;

namespace Osprey.Modules.Textops;

/// <summary>
/// A char view of message bytes for regex matching: one char per byte (Latin-1), so a match's index
/// and length are byte offsets into the message. The chars live in a pooled array returned on
/// <see cref="Dispose"/>.
/// </summary>
internal ref struct Latin1
{
    private char[]? _rented;

    public Latin1(ReadOnlySpan<byte> bytes)
    {
        _rented = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        int n = Encoding.Latin1.GetChars(bytes, _rented);
        Chars = _rented.AsSpan(0, n);
    }

    public ReadOnlySpan<char> Chars { get; }

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<char>.Shared.Return(_rented);
        _rented = null;
    }
}

/// <summary>A script string as UTF-8 bytes in a pooled array (or none for short texts). Dispose returns it.</summary>
internal ref struct Utf8Text
{
    private byte[]? _rented;

    public Utf8Text(string s)
    {
        _rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetMaxByteCount(s.Length)));
        int n = Encoding.UTF8.GetBytes(s, _rented);
        Bytes = _rented.AsSpan(0, n);
    }

    public ReadOnlySpan<byte> Bytes { get; }

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}
