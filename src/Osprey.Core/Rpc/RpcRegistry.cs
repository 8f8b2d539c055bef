using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Osprey.Core.Modules;

namespace Osprey.Core.Rpc;

/// <summary>
/// Every RPC command of the server by Kamailio's name, served by all control transports (JSON-RPC over
/// HTTP, the Unix datagram socket and the FIFO; binrpc on the ctl socket). Commands are registered
/// programmatically (<see cref="Register(string, string, RpcHandler, string)"/>) or collected from the
/// <c>[Rpc]</c> methods of a module instance (<see cref="RegisterModule"/>); the handler convention is
/// described on <see cref="IRpcContext"/>. Registration is copy-on-write; lookups are lock-free.
/// </summary>
public sealed class RpcRegistry
{
    private readonly Lock _gate = new();
    private Snapshot _snapshot = new(new Dictionary<string, RpcCommand>(StringComparer.Ordinal), []);

    private sealed record Snapshot(Dictionary<string, RpcCommand> ByName, RpcCommand[] Sorted);

    /// <summary>All commands, sorted by name (ordinal, as <c>system.listMethods</c> lists them).</summary>
    public IReadOnlyList<RpcCommand> Commands => Volatile.Read(ref _snapshot).Sorted;

    /// <summary>Registers a command; a second command with the same name is a bug and throws.</summary>
    public RpcCommand Register(string name, string help, RpcHandler handler, string parameters = "")
        => Register(new RpcCommand(name, help, handler, parameters));

    /// <summary>Registers a command; a second command with the same name is a bug and throws.</summary>
    public RpcCommand Register(RpcCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        lock (_gate)
        {
            var old = _snapshot;
            if (old.ByName.ContainsKey(command.Name))
                throw new InvalidOperationException($"RPC command {command.Name} is already registered");
            var byName = new Dictionary<string, RpcCommand>(old.ByName, StringComparer.Ordinal) { [command.Name] = command };
            var sorted = byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
            Volatile.Write(ref _snapshot, new Snapshot(byName, sorted));
        }
        return command;
    }

    public bool TryGet(string name, [NotNullWhen(true)] out RpcCommand? command) =>
        Volatile.Read(ref _snapshot).ByName.TryGetValue(name, out command);

    /// <summary>
    /// Registers every <c>[Rpc]</c> method of <paramref name="module"/> (public or not). A method either
    /// takes an <see cref="IRpcContext"/> or has a simple signature (string, int, long, double, bool
    /// parameters, optional when they have defaults); a non-void return value is written as the result.
    /// </summary>
    public int RegisterModule(object module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var type = module.GetType();
        string? moduleName = type.GetCustomAttribute<ModuleAttribute>()?.Name;
        int n = 0;
        foreach (var m in type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            var attr = m.GetCustomAttribute<RpcAttribute>();
            if (attr is null)
                continue;
            var binding = RpcMethodBinding.Create(m, m.IsStatic ? null : module);
            Register(new RpcCommand(attr.Name, attr.Help, binding.Invoke, binding.Describe(), moduleName));
            n++;
        }
        return n;
    }

    /// <summary>
    /// Runs a command, writing its result to <paramref name="sink"/> as it is produced. Never throws for
    /// anything the client or the handler did: an unknown method, bad parameters, a fault or a handler
    /// exception come back in the outcome (the handler's exception message is not sent for internal errors).
    /// </summary>
    public RpcOutcome Invoke(string method, IReadOnlyList<RpcParam> parameters, RpcValueSink sink, CancellationToken aborted = default)
    {
        if (!TryGet(method, out var command))
            return new RpcOutcome(RpcErrorCodes.MethodNotFound, "Method not found: " + method, 0);
        var result = new RpcResult(sink);
        var ctx = new RpcContext(method, parameters, result, aborted);
        try
        {
            command.Handler(ctx);
            if (ctx.Faulted)
                return new RpcOutcome(ctx.FaultCode == 0 ? RpcErrorCodes.ServerError : ctx.FaultCode, ctx.FaultMessage, result.TopLevelValues);
            return new RpcOutcome(0, "", result.TopLevelValues);
        }
        catch (RpcFaultException f)
        {
            return new RpcOutcome(f.Code == 0 ? RpcErrorCodes.ServerError : f.Code, f.Message, result.TopLevelValues);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return new RpcOutcome(RpcErrorCodes.InternalError, "the client went away", result.TopLevelValues);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Logging.Logger.Process.Error("core", $"RPC {method} failed: {ex}");
            return new RpcOutcome(RpcErrorCodes.InternalError, "Internal error in " + method, result.TopLevelValues);
        }
        finally
        {
            // Containers the handler left open (it returned early or failed) are closed for the transport.
            try
            {
                result.CloseAll();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The output itself failed; the transport sees that on its own.
            }
        }
    }
}

/// <summary>Binds an <c>[Rpc]</c> method's parameters to the call's positional parameters.</summary>
internal sealed class RpcMethodBinding
{
    private readonly MethodInfo _method;
    private readonly object? _target;
    private readonly ParameterInfo[] _parameters;
    private readonly bool _returnsValue;

    private RpcMethodBinding(MethodInfo method, object? target)
    {
        _method = method;
        _target = target;
        _parameters = method.GetParameters();
        _returnsValue = method.ReturnType != typeof(void);
    }

    public static RpcMethodBinding Create(MethodInfo method, object? target)
    {
        if (typeof(Task).IsAssignableFrom(method.ReturnType) || method.ReturnType.Name.StartsWith("ValueTask", StringComparison.Ordinal))
            throw new InvalidOperationException($"RPC method {method.DeclaringType?.Name}.{method.Name}: asynchronous handlers are not supported; write synchronously to IRpcContext");
        foreach (var p in method.GetParameters())
        {
            var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            if (t != typeof(IRpcContext) && t != typeof(CancellationToken) && t != typeof(string) && t != typeof(int) && t != typeof(long) && t != typeof(double) && t != typeof(bool))
                throw new InvalidOperationException($"RPC method {method.DeclaringType?.Name}.{method.Name}: parameter {p.Name} has unsupported type {p.ParameterType.Name}");
        }
        return new RpcMethodBinding(method, target);
    }

    public string Describe()
    {
        var parts = new List<string>();
        foreach (var p in _parameters)
        {
            if (p.ParameterType == typeof(IRpcContext) || p.ParameterType == typeof(CancellationToken))
                continue;
            var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            string s = p.Name + ":" + (t == typeof(string) ? "string" : t == typeof(bool) ? "bool" : t == typeof(double) ? "number" : "int");
            parts.Add(p.HasDefaultValue ? "[" + s + "]" : s);
        }
        return string.Join(' ', parts);
    }

    public void Invoke(IRpcContext rpc)
    {
        var args = new object?[_parameters.Length];
        int position = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            if (t == typeof(IRpcContext))
            {
                args[i] = rpc;
                continue;
            }
            if (t == typeof(CancellationToken))
            {
                args[i] = CancellationToken.None;
                continue;
            }
            int at = position++;
            if (at >= rpc.ParamCount || rpc.Param(at).Kind == RpcParamKind.Null)
            {
                if (p.HasDefaultValue)
                {
                    args[i] = p.DefaultValue;
                    continue;
                }
                throw new RpcFaultException(RpcErrorCodes.InvalidParams, $"{rpc.Method}: missing parameter {at + 1} ({p.Name})");
            }
            args[i] = t == typeof(string) ? rpc.GetString(at)
                : t == typeof(int) ? rpc.GetInt(at)
                : t == typeof(long) ? rpc.GetLong(at)
                : t == typeof(double) ? rpc.GetDouble(at)
                : rpc.GetBool(at);
        }
        object? ret;
        try
        {
            ret = _method.Invoke(_target, args);
        }
        catch (TargetInvocationException tie) when (tie.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(tie.InnerException).Throw();
            throw;
        }
        if (ret is IAsyncEnumerable<object> items)
        {
            // a streamed result (ul.dump of a million contacts): written item by item, never materialised
            var e = items.GetAsyncEnumerator();
            try
            {
                while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) rpc.AddValue(e.Current);
            }
            finally
            {
                e.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return;
        }
        if (_returnsValue && ret is not null)
            rpc.AddValue(ret);
    }
}
