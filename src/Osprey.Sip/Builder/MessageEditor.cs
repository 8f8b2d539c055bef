using System.Buffers.Text;
using Osprey.Sip.Message;

namespace Osprey.Sip.Builder;

/// <summary>
/// Edits recorded against a received message's bytes (what Kamailio calls lumps): insert, delete and
/// replace at offsets of the original. Nothing is copied until <see cref="Apply"/> writes the original
/// plus the edits, in one pass, into a pooled buffer. Inserted text is kept in the editor's own pooled
/// scratch buffer, so recording an edit allocates nothing. One editor per thread; <see cref="Reset"/>
/// between messages.
/// </summary>
public sealed class MessageEditor
{
    private struct Edit
    {
        public int Offset;
        public int DeleteLength;
        public int InsertStart;
        public int InsertLength;
        public int Seq;
    }

    private SipMessage? _msg;
    private Edit[] _edits = new Edit[16];
    private int _count;
    private byte[] _scratch = new byte[1024];
    private int _scratchLen;
    private int _openInsert = -1;
    private int _openOffset;
    private bool _bodyReplaced;
    private int _newBodyStart, _newBodyLength;

    public SipMessage Message => _msg ?? throw new InvalidOperationException("editor not reset to a message");

    public int EditCount => _count;

    public void Reset(SipMessage message)
    {
        _msg = message;
        _count = 0;
        _scratchLen = 0;
        _openInsert = -1;
        _bodyReplaced = false;
    }

    /// <summary>Inserts bytes before original offset <paramref name="offset"/>. Several inserts at one
    /// offset come out in the order they were recorded.</summary>
    public void Insert(int offset, ReadOnlySpan<byte> data)
    {
        BeginInsert(offset);
        Write(data);
        EndInsert();
    }

    public void Delete(int offset, int length) => Add(offset, length, 0, 0);

    public void Replace(int offset, int length, ReadOnlySpan<byte> data)
    {
        int start = AppendScratch(data);
        Add(offset, length, start, data.Length);
    }

    /// <summary>Starts an insert whose text is written piecewise with <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    public void BeginInsert(int offset)
    {
        if (_openInsert >= 0) throw new InvalidOperationException("insert already open");
        _openInsert = _scratchLen;
        _openOffset = offset;
    }

    public void Write(ReadOnlySpan<byte> data) => AppendScratch(data);

    public void Write(byte b)
    {
        EnsureScratch(1);
        _scratch[_scratchLen++] = b;
    }

    public void WriteInt(long value)
    {
        EnsureScratch(20);
        Utf8Formatter.TryFormat(value, _scratch.AsSpan(_scratchLen), out int n);
        _scratchLen += n;
    }

    public void EndInsert()
    {
        if (_openInsert < 0) throw new InvalidOperationException("no insert open");
        Add(_openOffset, 0, _openInsert, _scratchLen - _openInsert);
        _openInsert = -1;
    }

    // ---- SIP-level edits ----------------------------------------------------------------------

    /// <summary>Adds a header line on top of all others (a Via, RFC 3261 §16.6 step 8): <c>name: value CRLF</c>.</summary>
    public void InsertHeaderFirst(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        BeginInsert(Message.HeadersStart);
        Write(name);
        Write(": "u8);
        Write(value);
        Write("\r\n"u8);
        EndInsert();
    }

    /// <summary>Appends a complete header line (with or without its CRLF) after the last header.</summary>
    public void AppendHeaderLine(ReadOnlySpan<byte> line)
    {
        BeginInsert(Message.HeadersEnd);
        Write(line);
        if (!line.EndsWith("\r\n"u8)) Write("\r\n"u8);
        EndInsert();
    }

    /// <summary>Inserts a complete header line before header <paramref name="index"/>.</summary>
    public void InsertHeaderLineBefore(int index, ReadOnlySpan<byte> line)
    {
        BeginInsert(Message.Header(index).LineStart);
        Write(line);
        if (!line.EndsWith("\r\n"u8)) Write("\r\n"u8);
        EndInsert();
    }

    /// <summary>Removes header <paramref name="index"/> with its folded lines and line end.</summary>
    public void RemoveHeader(int index)
    {
        ref readonly var h = ref Message.Header(index);
        Delete(h.LineStart, h.LineEnd - h.LineStart);
    }

    /// <summary>Replaces the value of header <paramref name="index"/>.</summary>
    public void ReplaceHeaderValue(int index, ReadOnlySpan<byte> value)
    {
        ref readonly var h = ref Message.Header(index);
        Replace(h.Value.Start, h.Value.Length, value);
    }

    public void SetRequestUri(ReadOnlySpan<byte> uri)
    {
        var r = Message.RequestUriRange;
        Replace(r.Start, r.Length, uri);
    }

    /// <summary>Replaces the body; Content-Length is fixed when the edits are applied.</summary>
    public void ReplaceBody(ReadOnlySpan<byte> body)
    {
        _newBodyStart = AppendScratch(body);
        _newBodyLength = body.Length;
        _bodyReplaced = true;
    }

    // ---- applying -----------------------------------------------------------------------------

    /// <summary>Writes the edited message into a pooled buffer. With <paramref name="ensureContentLength"/>
    /// a missing Content-Length header is added (streams require it, RFC 3261 §18.3).</summary>
    public PooledBytes Apply(bool ensureContentLength = false)
    {
        var m = Message;
        int bodyLen = _bodyReplaced ? _newBodyLength : m.BodyLength + BodyEditDelta(m);
        int mark = _count;
        if (_bodyReplaced || (ensureContentLength && m.ContentLength < 0) || m.MissingEmptyLine
            || (m.ContentLength >= 0 && m.ContentLength != bodyLen))
        {
            AddFramingEdits(m, bodyLen, ensureContentLength);
        }
        SortEdits();
        int size = m.Length + _scratchLen; // output can never exceed the original plus every inserted byte
        var output = new PooledBytes(size);
        int written = Write(m.Span[..m.Length], output.Array);
        output.Length = written;
        _count = mark; // framing edits are per Apply, so Apply can be called again
        return output;
    }

    // Edits inside the body (textops' replace_body, subst_body) change its length: Content-Length must
    // follow, as Kamailio recomputes it when it builds the message.
    private int BodyEditDelta(SipMessage m)
    {
        int delta = 0, bodyEnd = m.BodyStart + m.BodyLength;
        for (int i = 0; i < _count; i++)
        {
            ref var e = ref _edits[i];
            if (e.Offset < m.BodyStart || e.Offset <= m.HeadersEnd || e.Offset > bodyEnd) continue;
            delta += e.InsertLength - Math.Min(e.DeleteLength, bodyEnd - e.Offset);
        }
        return delta;
    }

    private void AddFramingEdits(SipMessage m, int bodyLen, bool ensureContentLength)
    {
        var s = m.Span;
        int hdrEnd = m.HeadersEnd;
        if (m.MissingEmptyLine)
        {
            BeginInsert(hdrEnd);
            if (hdrEnd == 0 || s[hdrEnd - 1] != (byte)'\n') Write("\r\n"u8);
            EndInsert();
        }
        int cl = m.IndexOf(HeaderId.ContentLength);
        if (cl >= 0 && (_bodyReplaced || m.ContentLength != bodyLen))
        {
            var v = m.Header(cl).Value;
            BeginInsert(v.Start);
            WriteInt(bodyLen);
            EndInsert();
            Delete(v.Start, v.Length);
        }
        else if (cl < 0 && (ensureContentLength || _bodyReplaced))
        {
            BeginInsert(hdrEnd);
            Write("Content-Length: "u8);
            WriteInt(bodyLen);
            Write("\r\n"u8);
            EndInsert();
        }
        if (m.MissingEmptyLine)
        {
            BeginInsert(hdrEnd);
            Write("\r\n"u8);
            EndInsert();
        }
        if (_bodyReplaced)
        {
            Add(m.BodyStart, m.BodyLength, _newBodyStart, _newBodyLength);
        }
    }

    private int Write(ReadOnlySpan<byte> src, byte[] dst)
    {
        int o = 0, cursor = 0;
        var scratch = _scratch.AsSpan(0, _scratchLen);
        for (int i = 0; i < _count; i++)
        {
            ref var e = ref _edits[i];
            int off = Math.Clamp(e.Offset, 0, src.Length);
            if (off > cursor)
            {
                src[cursor..off].CopyTo(dst.AsSpan(o));
                o += off - cursor;
                cursor = off;
            }
            if (e.InsertLength > 0)
            {
                scratch.Slice(e.InsertStart, e.InsertLength).CopyTo(dst.AsSpan(o));
                o += e.InsertLength;
            }
            // deletes may overlap an earlier delete: only what is left of them applies
            int delEnd = Math.Min(src.Length, off + e.DeleteLength);
            if (delEnd > cursor) cursor = delEnd;
        }
        if (cursor < src.Length)
        {
            src[cursor..].CopyTo(dst.AsSpan(o));
            o += src.Length - cursor;
        }
        return o;
    }

    private void SortEdits()
    {
        // insertion sort: few edits, mostly recorded in offset order already; stable by Seq
        for (int i = 1; i < _count; i++)
        {
            var x = _edits[i];
            int j = i - 1;
            while (j >= 0 && (_edits[j].Offset > x.Offset || (_edits[j].Offset == x.Offset && _edits[j].Seq > x.Seq)))
            {
                _edits[j + 1] = _edits[j];
                j--;
            }
            _edits[j + 1] = x;
        }
    }

    private void Add(int offset, int deleteLength, int insertStart, int insertLength)
    {
        if (_count == _edits.Length) Array.Resize(ref _edits, _edits.Length * 2);
        _edits[_count] = new Edit { Offset = offset, DeleteLength = deleteLength, InsertStart = insertStart, InsertLength = insertLength, Seq = _count };
        _count++;
    }

    private int AppendScratch(ReadOnlySpan<byte> data)
    {
        EnsureScratch(data.Length);
        int start = _scratchLen;
        data.CopyTo(_scratch.AsSpan(_scratchLen));
        _scratchLen += data.Length;
        return start;
    }

    private void EnsureScratch(int more)
    {
        if (_scratchLen + more <= _scratch.Length) return;
        Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLen + more));
    }
}
