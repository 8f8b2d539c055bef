using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Ctl;

/// <summary>
/// Kamailio's binrpc encoding, as spoken by <c>kamcmd</c> to the <c>ctl</c> module (learned from its
/// documentation and from the bytes kamcmd and Kamailio exchange).
/// <para>
/// Packet: byte 0 is <c>0xA1</c> (magic 0xA, version 1); byte 1 holds the flags in the high nibble
/// (1 = reply, 2 = fault), then the length-of-length minus one (2 bits) and the cookie length minus one
/// (2 bits); then the body length (big-endian) and the cookie, which a reply echoes. The body is a
/// sequence of records. A record starts with one byte: bit 7 says whether bits 6..4 are the value's
/// size (0) or the number of bytes that follow holding the size (1); bits 3..0 are the type: 0 integer
/// (big-endian, minimal length, empty for 0), 1 string (NUL-terminated, the NUL counted), 2 double
/// (an integer of thousandths), 3 struct, 4 array, 5 struct member name (a string record followed by
/// the member's value), 6 bytes. A struct or array opens with a zero-size record of its type and closes
/// with the same type with bit 7 set and size 0.
/// </para>
/// </summary>
internal static class BinRpc
{
    public const byte Magic = 0xA;
    public const byte Version = 1;
    public const int FlagReply = 1;
    public const int FlagFault = 2;

    public const int TypeInt = 0;
    public const int TypeString = 1;
    public const int TypeDouble = 2;
    public const int TypeStruct = 3;
    public const int TypeArray = 4;
    public const int TypeAvp = 5;
    public const int TypeBytes = 6;

    /// <summary>Largest request body accepted.</summary>
    public const int MaxRequestBody = 64 * 1024;

    /// <summary>
    /// Finds a complete packet at the start of <paramref name="data"/>. Returns its total length, 0 when
    /// more bytes are needed, -1 when the bytes are not binrpc (or too large).
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> data, int maxBody, out int headerLength, out int bodyLength)
    {
        headerLength = 0;
        bodyLength = 0;
        if (data.Length < 2)
            return 0;
        if (data[0] >> 4 != Magic || (data[0] & 0xF) != Version)
            return -1;
        int lenLen = ((data[1] >> 2) & 3) + 1;
        int cookieLen = (data[1] & 3) + 1;
        headerLength = 2 + lenLen + cookieLen;
        if (data.Length < 2 + lenLen)
            return 0;
        long len = 0;
        for (int i = 0; i < lenLen; i++)
            len = (len << 8) | data[2 + i];
        if (len > maxBody)
            return -1;
        bodyLength = (int)len;
        int total = headerLength + bodyLength;
        return data.Length >= total ? total : 0;
    }

    /// <summary>Decodes a request packet (a whole frame) into method and parameters; false with a reason when malformed.</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> packet, out string method, out RpcParam[] parameters, out uint cookie, out int cookieLength, out string error)
    {
        method = "";
        parameters = [];
        cookie = 0;
        cookieLength = 4;
        error = "";
        if (FrameLength(packet, int.MaxValue, out int headerLength, out int bodyLength) <= 0)
        {
            error = "not a binrpc packet";
            return false;
        }
        int lenLen = ((packet[1] >> 2) & 3) + 1;
        cookieLength = (packet[1] & 3) + 1;
        for (int i = 0; i < cookieLength; i++)
            cookie = (cookie << 8) | packet[2 + lenLen + i];
        var body = packet.Slice(headerLength, bodyLength);
        var reader = new BinRpcReader(body);
        if (!reader.TryRead(out var first) || first.Type != TypeString)
        {
            error = "the request does not start with a method name";
            return false;
        }
        method = first.Text!;
        var list = new List<RpcParam>();
        while (!reader.End)
        {
            if (!reader.TryRead(out var r))
            {
                error = "malformed parameter";
                return false;
            }
            switch (r.Type)
            {
                case TypeInt: list.Add(RpcParam.FromInt(r.Int)); break;
                case TypeString: list.Add(RpcParam.FromString(r.Text!)); break;
                case TypeDouble: list.Add(RpcParam.FromDouble(r.Int / 1000.0)); break;
                case TypeBytes: list.Add(RpcParam.FromString(r.Text!)); break;
                default:
                    error = "struct and array parameters are not supported";
                    return false;
            }
        }
        parameters = [.. list];
        return true;
    }

    /// <summary>Writes a record header for <paramref name="type"/> with a value of <paramref name="size"/> bytes.</summary>
    internal static void WriteRecordHeader(IBufferWriter<byte> w, int type, int size)
    {
        if (size <= 7)
        {
            var s = w.GetSpan(1);
            s[0] = (byte)((size << 4) | type);
            w.Advance(1);
            return;
        }
        int n = size <= 0xFF ? 1 : size <= 0xFFFF ? 2 : size <= 0xFFFFFF ? 3 : 4;
        var span = w.GetSpan(1 + n);
        span[0] = (byte)(0x80 | (n << 4) | type);
        for (int i = 0; i < n; i++)
            span[1 + i] = (byte)(size >> (8 * (n - 1 - i)));
        w.Advance(1 + n);
    }

    internal static void WriteInt(IBufferWriter<byte> w, int type, long value)
    {
        int v = (int)value;
        int n = v == 0 ? 0 : v < 0 ? 4 : v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFFFF ? 3 : 4;
        WriteRecordHeader(w, type, n);
        var s = w.GetSpan(n);
        for (int i = 0; i < n; i++)
            s[i] = (byte)(v >> (8 * (n - 1 - i)));
        w.Advance(n);
    }

    internal static void WriteString(IBufferWriter<byte> w, int type, string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        WriteRecordHeader(w, type, n + 1);
        var s = w.GetSpan(n + 1);
        Encoding.UTF8.GetBytes(value, s);
        s[n] = 0;
        w.Advance(n + 1);
    }

    /// <summary>Builds a packet header for a body of <paramref name="bodyLength"/> bytes.</summary>
    public static int WriteHeader(Span<byte> dest, int flags, int bodyLength, uint cookie, int cookieLength)
    {
        int lenLen = bodyLength <= 0xFF ? 1 : bodyLength <= 0xFFFF ? 2 : bodyLength <= 0xFFFFFF ? 3 : 4;
        dest[0] = (Magic << 4) | Version;
        dest[1] = (byte)((flags << 4) | ((lenLen - 1) << 2) | (cookieLength - 1));
        for (int i = 0; i < lenLen; i++)
            dest[2 + i] = (byte)(bodyLength >> (8 * (lenLen - 1 - i)));
        for (int i = 0; i < cookieLength; i++)
            dest[2 + lenLen + i] = (byte)(cookie >> (8 * (cookieLength - 1 - i)));
        return 2 + lenLen + cookieLength;
    }

    /// <summary>Encodes a request (for tests and tools): method and string/int/double parameters.</summary>
    public static byte[] EncodeRequest(string method, uint cookie, params object[] parameters)
    {
        var body = new ArrayBufferWriter<byte>();
        WriteString(body, TypeString, method);
        foreach (var p in parameters)
        {
            switch (p)
            {
                case int or long: WriteInt(body, TypeInt, Convert.ToInt64(p, System.Globalization.CultureInfo.InvariantCulture)); break;
                case double d: WriteInt(body, TypeDouble, (long)Math.Round(d * 1000)); break;
                default: WriteString(body, TypeString, Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture) ?? ""); break;
            }
        }
        var packet = new byte[10 + body.WrittenCount];
        int h = WriteHeader(packet, 0, body.WrittenCount, cookie, 4);
        body.WrittenSpan.CopyTo(packet.AsSpan(h));
        return packet[..(h + body.WrittenCount)];
    }
}

/// <summary>One decoded binrpc record.</summary>
internal readonly record struct BinRpcRecord(int Type, bool End, long Int, string? Text);

/// <summary>Reads records one by one from a binrpc body.</summary>
internal ref struct BinRpcReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public BinRpcReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public readonly bool End => _pos >= _data.Length;

    public bool TryRead(out BinRpcRecord record)
    {
        record = default;
        if (_pos >= _data.Length)
            return false;
        byte h = _data[_pos++];
        int type = h & 0xF;
        int size = (h >> 4) & 7;
        bool flag = (h & 0x80) != 0;
        if (flag)
        {
            if (size == 0)
            {
                record = new BinRpcRecord(type, true, 0, null);
                return type is BinRpc.TypeStruct or BinRpc.TypeArray;
            }
            if (_pos + size > _data.Length)
                return false;
            int len = 0;
            for (int i = 0; i < size; i++)
                len = (len << 8) | _data[_pos++];
            size = len;
        }
        if (size < 0 || _pos + size > _data.Length)
            return false;
        var value = _data.Slice(_pos, size);
        _pos += size;
        switch (type)
        {
            case BinRpc.TypeInt or BinRpc.TypeDouble:
            {
                if (size > 8)
                    return false;
                long v = 0;
                foreach (var b in value)
                    v = (v << 8) | b;
                if (size == 4)
                    v = (int)v;
                record = new BinRpcRecord(type, false, v, null);
                return true;
            }
            case BinRpc.TypeString or BinRpc.TypeAvp:
            {
                int n = value.IndexOf((byte)0);
                record = new BinRpcRecord(type, false, 0, Encoding.UTF8.GetString(n >= 0 ? value[..n] : value));
                return true;
            }
            case BinRpc.TypeBytes:
                record = new BinRpcRecord(type, false, 0, Encoding.UTF8.GetString(value));
                return true;
            case BinRpc.TypeStruct or BinRpc.TypeArray:
                record = new BinRpcRecord(type, false, 0, null);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// Encodes an RPC result as a binrpc reply body (buffered: the packet header carries the body length).
/// Values outside a 32-bit integer travel as strings, as binrpc integers are 32 bits.
/// <para>
/// Arrays are written the way Kamailio's ctl writes them (kamcmd understands no array records): an
/// array inside a struct becomes a struct of the same name; a struct element of such an array gives its
/// members to it directly (so <c>"Domains": [{"Domain": {...}}]</c> in JSON is <c>Domains: { Domain: {...} }</c>
/// for kamcmd, exactly as Kamailio's <c>ul.dump</c>), and a scalar element is named after the array. A
/// top-level array becomes top-level values.
/// </para>
/// </summary>
internal sealed class BinRpcReplyWriter : RpcValueSink
{
    /// <summary>Largest reply body built (kamcmd itself reads at most 128 KiB; other clients may read more).</summary>
    public const int MaxReplyBody = 16 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _body = new(4096);

    // What each open container became on the wire.
    private enum Frame { Struct, FlatArray, ArrayAsStruct, Flattened }
    private readonly Stack<(Frame Kind, string? Name)> _stack = new();

    public int Length => _body.WrittenCount;

    /// <summary>The name a value gets on the wire: its own inside a struct, the array's inside an array kept as a struct.</summary>
    private string? WireName(string? name)
    {
        if (_stack.Count == 0)
            return null;
        var (kind, arrayName) = _stack.Peek();
        return kind switch
        {
            Frame.ArrayAsStruct => name ?? arrayName,
            Frame.FlatArray => null,
            _ => name,
        };
    }

    private void Name(string? name)
    {
        string? n = WireName(name);
        if (n is not null)
            BinRpc.WriteString(_body, BinRpc.TypeAvp, n);
    }

    public override void BeginStruct(string? name)
    {
        if (_stack.Count > 0 && _stack.Peek().Kind == Frame.ArrayAsStruct && name is null)
        {
            _stack.Push((Frame.Flattened, null));
            return;
        }
        Name(name);
        BinRpc.WriteRecordHeader(_body, BinRpc.TypeStruct, 0);
        _stack.Push((Frame.Struct, null));
        Check();
    }

    public override void EndStruct()
    {
        if (_stack.Pop().Kind == Frame.Struct)
            End(BinRpc.TypeStruct);
    }

    public override void BeginArray(string? name)
    {
        if (_stack.Count == 0 || _stack.Peek().Kind == Frame.FlatArray)
        {
            _stack.Push((Frame.FlatArray, null));
            return;
        }
        string? wire = WireName(name);
        Name(name);
        BinRpc.WriteRecordHeader(_body, BinRpc.TypeStruct, 0);
        _stack.Push((Frame.ArrayAsStruct, wire ?? "item"));
        Check();
    }

    public override void EndArray()
    {
        if (_stack.Pop().Kind == Frame.ArrayAsStruct)
            End(BinRpc.TypeStruct);
    }

    private void End(int type)
    {
        var s = _body.GetSpan(1);
        s[0] = (byte)(0x80 | type);
        _body.Advance(1);
    }

    private void Check()
    {
        if (_body.WrittenCount > MaxReplyBody)
            throw new RpcFaultException(RpcErrorCodes.ServerError, "the reply is too large for binrpc; use JSON-RPC (ospreyctl, HTTP or the FIFO)");
    }

    public override void String(string? name, string? value) { Name(name); BinRpc.WriteString(_body, BinRpc.TypeString, value ?? ""); Check(); }

    public override void Int(string? name, long value)
    {
        Name(name);
        if (value is >= int.MinValue and <= int.MaxValue)
            BinRpc.WriteInt(_body, BinRpc.TypeInt, value);
        else
            BinRpc.WriteString(_body, BinRpc.TypeString, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Check();
    }

    public override void Double(string? name, double value)
    {
        Name(name);
        double milli = Math.Round(value * 1000);
        if (milli is >= int.MinValue and <= int.MaxValue)
            BinRpc.WriteInt(_body, BinRpc.TypeDouble, (long)milli);
        else
            BinRpc.WriteString(_body, BinRpc.TypeString, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Check();
    }

    public override void Bool(string? name, bool value) { Name(name); BinRpc.WriteInt(_body, BinRpc.TypeInt, value ? 1 : 0); Check(); }

    /// <summary>The whole reply packet: the result, or a fault (code and message) when the outcome is one.</summary>
    public byte[] ToPacket(RpcOutcome outcome, uint cookie, int cookieLength)
    {
        ReadOnlySpan<byte> body;
        int flags = BinRpc.FlagReply;
        if (outcome.Ok)
        {
            body = _body.WrittenSpan;
        }
        else
        {
            var fault = new ArrayBufferWriter<byte>(256);
            BinRpc.WriteInt(fault, BinRpc.TypeInt, FaultCode(outcome.Code));
            BinRpc.WriteString(fault, BinRpc.TypeString, outcome.Message);
            body = fault.WrittenSpan;
            flags |= BinRpc.FlagFault;
        }
        var packet = new byte[10 + body.Length];
        int h = BinRpc.WriteHeader(packet, flags, body.Length, cookie, cookieLength);
        body.CopyTo(packet.AsSpan(h));
        return packet.AsSpan(0, h + body.Length).ToArray();
    }

    /// <summary>kamcmd users know Kamailio's HTTP-like codes; JSON-RPC's negative ones are mapped to them.</summary>
    private static int FaultCode(int code) => code switch
    {
        RpcErrorCodes.InvalidParams or RpcErrorCodes.InvalidRequest or RpcErrorCodes.ParseError => 400,
        < 0 => 500,
        _ => code,
    };
}
