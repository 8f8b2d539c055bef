namespace Osprey.Modules.Usrloc;

/// <summary>The outcome of an RPC command: Kamailio's error codes (404 not found, 500 internal, 400 bad
/// parameters) with a message for the operator; <see cref="Ok"/> on success.</summary>
public readonly record struct RpcStatus(int Code, string Message)
{
    public static RpcStatus Ok => new(200, "OK");
    public bool IsOk => Code == 200;
    public static RpcStatus NotFound(string what) => new(404, what);
    public static RpcStatus BadParams(string what) => new(400, what);
    public static RpcStatus Internal(string what) => new(500, what);
}
