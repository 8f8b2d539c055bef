namespace Osprey.Core.Rpc;

/// <summary>An RPC handler written against the streaming writer API (see <see cref="IRpcContext"/>).</summary>
public delegate void RpcHandler(IRpcContext rpc);

/// <summary>One registered RPC command.</summary>
public sealed class RpcCommand
{
    public RpcCommand(string name, string help, RpcHandler handler, string parameters = "", string? module = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        Name = name;
        Help = help ?? "";
        Handler = handler;
        Parameters = parameters ?? "";
        Module = module;
    }

    /// <summary>Kamailio's name, e.g. <c>core.uptime</c>.</summary>
    public string Name { get; }

    /// <summary>One-line description (<c>system.methodHelp</c>).</summary>
    public string Help { get; }

    /// <summary>Parameters, described for people, e.g. <c>"[all | group: | name]..."</c>; empty when none.</summary>
    public string Parameters { get; }

    /// <summary>The module that registered it (null for the core).</summary>
    public string? Module { get; }

    public RpcHandler Handler { get; }
}

/// <summary>How a call ended.</summary>
/// <param name="Code">0 on success, else the fault code.</param>
/// <param name="Message">The fault message (empty on success).</param>
/// <param name="TopLevelValues">Values the handler wrote at the top level before it ended.</param>
public readonly record struct RpcOutcome(int Code, string Message, long TopLevelValues)
{
    public bool Ok => Code == 0;
}
