namespace Osprey.Core.Rpc;

/// <summary>
/// The result under construction. Checks nesting (a value added to a struct needs a name, a container
/// must be closed before its parent goes on) and passes each value straight to the sink, so a large
/// result streams and is never held in memory. Handlers reach it through <see cref="IRpcContext"/>,
/// <see cref="RpcStruct"/> and <see cref="RpcArray"/>.
/// </summary>
public sealed class RpcResult
{
    private const int MaxDepth = 64;
    private readonly RpcValueSink _sink;
    private readonly bool[] _isStruct = new bool[MaxDepth + 1];
    private int _depth;
    private long _topLevelValues;

    public RpcResult(RpcValueSink sink)
    {
        _sink = sink;
    }

    /// <summary>Values added at the top level so far (several become a JSON array, as in Kamailio's jsonrpcs).</summary>
    public long TopLevelValues => _topLevelValues;

    /// <summary>Containers still open.</summary>
    public int Depth => _depth;

    internal void Check(int depth, string? name)
    {
        if (_depth != depth)
            throw new InvalidOperationException(depth < _depth
                ? "RPC result: a nested struct or array is still open; dispose it before adding to its parent"
                : "RPC result: this struct or array was already closed");
        if (depth > 0 && _isStruct[depth] && name is null)
            throw new InvalidOperationException("RPC result: a value in a struct needs a name");
        if (depth == 0)
            _topLevelValues++;
    }

    internal void AddString(int depth, string? name, string? value)
    {
        Check(depth, name);
        _sink.String(StructName(depth, name), value);
    }

    internal void AddInt(int depth, string? name, long value)
    {
        Check(depth, name);
        _sink.Int(StructName(depth, name), value);
    }

    internal void AddDouble(int depth, string? name, double value)
    {
        Check(depth, name);
        _sink.Double(StructName(depth, name), value);
    }

    internal void AddBool(int depth, string? name, bool value)
    {
        Check(depth, name);
        _sink.Bool(StructName(depth, name), value);
    }

    internal int Open(int depth, string? name, bool isStruct)
    {
        Check(depth, name);
        if (_depth >= MaxDepth)
            throw new InvalidOperationException("RPC result nested deeper than " + MaxDepth);
        if (isStruct)
            _sink.BeginStruct(StructName(depth, name));
        else
            _sink.BeginArray(StructName(depth, name));
        _depth++;
        _isStruct[_depth] = isStruct;
        return _depth;
    }

    internal void Close(int depth)
    {
        if (_depth != depth)
        {
            // Disposing twice is harmless; closing a parent before its child is a handler bug.
            if (depth > _depth)
                return;
            throw new InvalidOperationException("RPC result: a nested struct or array is still open when its parent is closed");
        }
        bool s = _isStruct[_depth];
        _depth--;
        if (s)
            _sink.EndStruct();
        else
            _sink.EndArray();
    }

    /// <summary>Closes whatever the handler left open (after a fault or an exception).</summary>
    internal void CloseAll()
    {
        while (_depth > 0)
            Close(_depth);
    }

    private string? StructName(int depth, string? name) => depth > 0 && _isStruct[depth] ? name : null;
}

/// <summary>
/// An open struct of an RPC result (a JSON object, a binrpc struct of named members). Dispose it
/// (<c>using var s = rpc.Struct();</c>) to close it. A struct may repeat a member name, as Kamailio's do.
/// </summary>
public readonly struct RpcStruct : IDisposable
{
    private readonly RpcResult _result;
    private readonly int _depth;

    internal RpcStruct(RpcResult result, int depth)
    {
        _result = result;
        _depth = depth;
    }

    public RpcStruct Add(string name, string? value) { _result.AddString(_depth, name, value); return this; }
    public RpcStruct Add(string name, long value) { _result.AddInt(_depth, name, value); return this; }
    public RpcStruct Add(string name, int value) { _result.AddInt(_depth, name, value); return this; }
    public RpcStruct Add(string name, double value) { _result.AddDouble(_depth, name, value); return this; }
    public RpcStruct Add(string name, bool value) { _result.AddBool(_depth, name, value); return this; }

    /// <summary>Adds any value: scalars, dictionaries, sequences, objects (by their public properties).</summary>
    public RpcStruct AddValue(string name, object? value) { RpcValueWriter.Write(_result, _depth, name, value); return this; }

    public RpcStruct Struct(string name) => new(_result, _result.Open(_depth, name, isStruct: true));
    public RpcArray Array(string name) => new(_result, _result.Open(_depth, name, isStruct: false));

    public void Dispose() => _result?.Close(_depth);
}

/// <summary>An open array of an RPC result. Dispose it to close it.</summary>
public readonly struct RpcArray : IDisposable
{
    private readonly RpcResult _result;
    private readonly int _depth;

    internal RpcArray(RpcResult result, int depth)
    {
        _result = result;
        _depth = depth;
    }

    public RpcArray Add(string? value) { _result.AddString(_depth, null, value); return this; }
    public RpcArray Add(long value) { _result.AddInt(_depth, null, value); return this; }
    public RpcArray Add(int value) { _result.AddInt(_depth, null, value); return this; }
    public RpcArray Add(double value) { _result.AddDouble(_depth, null, value); return this; }
    public RpcArray Add(bool value) { _result.AddBool(_depth, null, value); return this; }
    public RpcArray AddValue(object? value) { RpcValueWriter.Write(_result, _depth, null, value); return this; }

    public RpcStruct Struct() => new(_result, _result.Open(_depth, null, isStruct: true));
    public RpcArray Array() => new(_result, _result.Open(_depth, null, isStruct: false));

    public void Dispose() => _result?.Close(_depth);
}
