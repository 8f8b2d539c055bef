namespace Osprey.Core.Rpc;

/// <summary>
/// Where an RPC result goes, value by value, as the handler produces it: a JSON-RPC writer, a binrpc
/// encoder, a recorder. <c>name</c> is the member name inside a struct and null elsewhere. Calls arrive
/// well nested (checked by <see cref="RpcResult"/>); a sink never sees a half-open container at the end
/// unless the handler failed.
/// </summary>
public abstract class RpcValueSink
{
    public abstract void BeginStruct(string? name);
    public abstract void EndStruct();
    public abstract void BeginArray(string? name);
    public abstract void EndArray();

    /// <summary>A string; null is written as JSON null (binrpc: an empty string).</summary>
    public abstract void String(string? name, string? value);
    public abstract void Int(string? name, long value);
    public abstract void Double(string? name, double value);
    public abstract void Bool(string? name, bool value);
}
