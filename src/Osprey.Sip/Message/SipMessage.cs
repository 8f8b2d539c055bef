using System.Runtime.CompilerServices;
using System.Text;
using Osprey.Sip.Headers;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Message;

/// <summary>How the message was framed: a datagram (body = rest of datagram when Content-Length is
/// absent) or a stream (the transport framed it by Content-Length).</summary>
public enum Framing : byte
{
    Datagram,
    Stream,
}

/// <summary>
/// A received SIP request or reply: the bytes, the start line, an index of every header, and typed
/// views parsed on first use and cached (ARCHITECTURE.md "Parser"). The buffer is not copied; call
/// <see cref="Detach"/> before keeping the message (or the object) beyond the receive callback: an
/// undetached message object may be reused for the next message received on the same thread.
/// </summary>
public sealed partial class SipMessage
{
    private static long s_serial;
    private ReadOnlyMemory<byte> _buffer;
    internal HeaderTable Headers;

    /// <summary>Unique per parse: a message object reused by a receive loop (<see cref="ParseReusing"/>)
    /// gets a new serial for each message it holds. State kept per message is keyed on (object, serial).</summary>
    public long Serial { get; private set; }

    /// <summary>The message was detached (<see cref="Detach"/>, <see cref="DetachInto"/>): somebody keeps
    /// it beyond the receive callback, so a receive loop must not parse the next message into it.</summary>
    public bool IsKept { get; private set; }

    // Start line
    public bool IsRequest { get; private set; }
    public bool IsReply => !IsRequest;
    public SipMethod Method { get; private set; }
    public TextRange MethodRange { get; private set; }
    public TextRange RequestUriRange { get; private set; }
    public int StatusCode { get; private set; }
    public TextRange ReasonRange { get; private set; }

    /// <summary>Offset of the first header line.</summary>
    public int HeadersStart { get; private set; }

    /// <summary>Offset of the empty line that ends the headers (where new headers are appended).</summary>
    public int HeadersEnd { get; private set; }

    public int BodyStart { get; private set; }

    /// <summary>The headers ran to the end of the datagram with no empty line (tolerated; the builder adds one).</summary>
    public bool MissingEmptyLine { get; private set; }
    public int BodyLength { get; private set; }

    /// <summary>Content-Length value, -1 when the header is absent.</summary>
    public int ContentLength { get; private set; } = -1;

    /// <summary>The message proper: trailing octets after Content-Length on a datagram are not part of it.</summary>
    public int Length => BodyStart + BodyLength;

    public ReadOnlyMemory<byte> Buffer => _buffer;
    public ReadOnlySpan<byte> Span => _buffer.Span;
    public ReadOnlySpan<byte> Body => _buffer.Span.Slice(BodyStart, BodyLength);
    public ReadOnlyMemory<byte> BodyMemory => _buffer.Slice(BodyStart, BodyLength);

    public int HeaderCount => Headers.Count;

    /// <summary>Method text as received (for <see cref="SipMethod.Other"/>); for replies, CSeq's method.</summary>
    public ReadOnlySpan<byte> MethodText => MethodRange.Of(Span);

    public ReadOnlySpan<byte> RequestUriText => RequestUriRange.Of(Span);
    public ReadOnlySpan<byte> Reason => ReasonRange.Of(Span);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly HeaderEntry Header(int index) => ref Headers[index];

    /// <summary>Index of the first header with this id, -1 when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(HeaderId id) => Headers.FirstIndexOf(id);

    public bool Has(HeaderId id) => Headers.FirstIndexOf(id) >= 0;

    /// <summary>Next header with the same id after <paramref name="index"/>, -1 when none.</summary>
    public int NextIndexOf(HeaderId id, int index)
    {
        for (int i = index + 1; i < Headers.Count; i++)
        {
            if (Headers[i].Id == id) return i;
        }
        return -1;
    }

    /// <summary>Index of the first header with this name (any case, long or compact form), -1 when absent.</summary>
    public int IndexOf(ReadOnlySpan<byte> name)
    {
        var id = HeaderNames.Lookup(name);
        if (id != HeaderId.Other) return IndexOf(id);
        var s = Span;
        for (int i = 0; i < Headers.Count; i++)
        {
            ref readonly var h = ref Headers[i];
            if (h.Id == HeaderId.Other && SipChars.EqualsIgnoreCase(h.Name.Of(s), name)) return i;
        }
        return -1;
    }

    /// <summary>The trimmed value of the first header with this id; empty when absent.</summary>
    public ReadOnlySpan<byte> ValueOf(HeaderId id)
    {
        int i = IndexOf(id);
        return i < 0 ? default : Headers[i].Value.Of(Span);
    }

    public ReadOnlySpan<byte> ValueAt(int index) => Headers[index].Value.Of(Span);

    /// <summary>A header value as a string with folded line breaks collapsed to one space.</summary>
    public string ValueString(int index) => Unfold(Headers[index].Value.Of(Span));

    internal static string Unfold(ReadOnlySpan<byte> v)
    {
        if (v.IndexOfAny((byte)'\r', (byte)'\n') < 0) return Encoding.UTF8.GetString(v);
        var sb = new StringBuilder(v.Length);
        bool ws = false;
        foreach (var c in v)
        {
            if (c is (byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'\t')
            {
                if (!ws) sb.Append(' ');
                ws = true;
                continue;
            }
            ws = false;
            sb.Append((char)c);
        }
        return Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(sb.ToString()));
    }

    /// <summary>Copies the message into its own array so it may outlive the receive buffer
    /// (transactions keep requests). Typed views are re-pointed at the copy.</summary>
    public void Detach()
    {
        var copy = _buffer[..Length].ToArray();
        _buffer = copy;
        IsKept = true;
        InvalidateViews();
    }

    /// <summary>Like <see cref="Detach"/>, into <paramref name="buffer"/> (at least <see cref="Length"/>
    /// bytes), which the caller owns from then on: a pooled buffer it gives back once the message is gone.</summary>
    public void DetachInto(byte[] buffer)
    {
        int n = Length;
        _buffer.Span[..n].CopyTo(buffer);
        _buffer = buffer.AsMemory(0, n);
        IsKept = true;
        InvalidateViews();
    }

    public override string ToString() => Encoding.UTF8.GetString(Span[..Length]);
}
