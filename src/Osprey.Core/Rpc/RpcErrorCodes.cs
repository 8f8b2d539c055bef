namespace Osprey.Core.Rpc;

/// <summary>Error codes of an RPC answer: JSON-RPC 2.0's reserved codes, plus Kamailio's HTTP-like ones
/// that module handlers use for their own faults (<c>rpc.Fault(500, "...")</c>).</summary>
public static class RpcErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>Kamailio's usual code for a request a handler refuses.</summary>
    public const int BadRequest = 400;

    /// <summary>Kamailio's usual code for a failure inside a handler.</summary>
    public const int ServerError = 500;
}

/// <summary>
/// Thrown by <see cref="IRpcContext"/>'s parameter getters (wrong type, missing) and by handlers that
/// want to answer with a fault; the dispatcher turns it into an error answer. Never escapes the dispatcher.
/// </summary>
public sealed class RpcFaultException : Exception
{
    public RpcFaultException(int code, string message) : base(message)
    {
        Code = code;
    }

    public RpcFaultException()
    {
    }

    public RpcFaultException(string message) : base(message)
    {
        Code = RpcErrorCodes.ServerError;
    }

    public RpcFaultException(string message, Exception inner) : base(message, inner)
    {
        Code = RpcErrorCodes.ServerError;
    }

    public int Code { get; }
}
