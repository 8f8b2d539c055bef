using Osprey.Script.Diagnostics;

namespace Osprey.Script.Ast;

internal enum RouteKind { Request, Named, Branch, Failure, OnReply, Reply, OnSend, Event }

/// <summary>
/// A route block. Unnamed request_route/route{}/route[0] blocks have kind Request and name null;
/// onreply_route without a name (or [0]) and reply_route are the core reply route (kind Reply).
/// </summary>
internal sealed record RouteBlock(RouteKind Kind, string? Name, BlockStmt Body, SourceLocation Location);

/// <summary>Value of a core parameter: the parsed pieces (numbers, strings, words, sockets).</summary>
internal abstract record ParamValue(SourceLocation Location);
internal sealed record IntParamValue(long Value, SourceLocation Location) : ParamValue(Location);
internal sealed record StringParamValue(string Value, SourceLocation Location) : ParamValue(Location);
internal sealed record WordParamValue(string Value, SourceLocation Location) : ParamValue(Location);

/// <summary>listen/alias socket: [proto:]host[:port] with the optional suffixes.</summary>
internal sealed record SocketParamValue(IReadOnlyList<SocketAddress> Sockets, string? Advertise, string? SocketName, bool Virtual, SourceLocation Location) : ParamValue(Location);
internal sealed record SocketAddress(string? Protocol, string Host, string? Port);

internal sealed record CoreParam(string Name, ParamValue Value, SourceLocation Location);

/// <summary>Custom runtime config variable: group.name = value [desc "text"].</summary>
internal sealed record CustomConfigVar(string Group, string Name, ParamValue Value, string? Description, SourceLocation Location);

internal sealed record LoadModule(string Path, string ModuleName, SourceLocation Location);

/// <summary>modparam("module-regex", "param", value).</summary>
internal sealed record ModParam(string ModulePattern, string Parameter, Expr Value, SourceLocation Location);

/// <summary>SER flag declarations: flags NAME : n, ... / avpflags NAME, ...</summary>
internal sealed record FlagDeclaration(string Name, long? Bit, bool IsAvpFlag, SourceLocation Location);

/// <summary>The whole parsed configuration, in source order per kind.</summary>
internal sealed record ConfigFile(
    IReadOnlyList<CoreParam> Parameters,
    IReadOnlyList<CustomConfigVar> CustomVariables,
    IReadOnlyList<LoadModule> Modules,
    IReadOnlyList<ModParam> ModuleParameters,
    IReadOnlyList<RouteBlock> Routes,
    IReadOnlyList<FlagDeclaration> Flags,
    IReadOnlyList<string> ModulePaths,
    string? Engine);
