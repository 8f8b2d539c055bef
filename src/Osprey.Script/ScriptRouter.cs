using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;

namespace Osprey.Script;

/// <summary>
/// The <see cref="IMessageRouter"/> that runs a compiled kamailio.cfg: request_route for requests,
/// reply_route for replies. <see cref="Reload"/> recompiles the same file and swaps the script atomically;
/// a failed reload changes nothing and returns the errors. tm runs failure/branch/onreply routes through
/// <see cref="RunRoute"/>.
/// </summary>
public sealed class ScriptRouter : IMessageRouter, IRouteRunner
{
    private CompiledScript _script;
    private readonly string _file;
    private readonly IReadOnlyDictionary<string, string?> _defines;
    private readonly ScriptLoadOptions _options;
    private readonly Lock _reloadLock = new();
    private SipServer? _server;

    public ScriptRouter(CompiledScript script, string file, IReadOnlyDictionary<string, string?> defines, ScriptLoadOptions options)
    {
        _script = script;
        _file = file;
        _defines = defines;
        _options = options;
    }

    /// <summary>The script running now.</summary>
    public CompiledScript Script => Volatile.Read(ref _script);

    /// <summary>Sets the modules' server and runs their Init; call once the server exists, before traffic.
    /// Returns "module: message" errors.</summary>
    public IReadOnlyList<string> Start(SipServer server)
    {
        _server = server;
        return Script.Modules.Start(server);
    }

    public void OnRequest(MessageContext ctx) => Script.RunRequest(ctx);

    public bool OnReply(MessageContext ctx) => Script.RunReply(ctx);

    public bool HasRoute(RouteTypes type, string name) => Script.HasRoute(type, name);

    /// <summary>Runs a named route of a type on a context (see <see cref="CompiledScript.RunRoute"/>).</summary>
    public int RunRoute(RouteTypes type, string name, MessageContext ctx) => Script.RunRoute(type, name, ctx);

    /// <summary>
    /// Recompiles the config (for SIGHUP or an RPC). Modules already running keep their instance (and state:
    /// transactions, contacts); new modules are created, configured and started. On any error the running
    /// script is untouched and the errors (<c>file:line:col: message</c>) are returned.
    /// </summary>
    public IReadOnlyList<string> Reload()
    {
        lock (_reloadLock)
        {
            var current = Script;
            var result = ScriptLoader.Load(_file, _defines, _options, current.Modules);
            if (!result.Success) return result.Errors;
            var next = result.Script!;
            if (_server is not null)
            {
                var running = new HashSet<ModuleBase>(current.Modules.Modules.Select(m => m.Instance));
                var errors = next.Modules.Start(_server, running);
                if (errors.Count > 0) return errors;
            }
            Volatile.Write(ref _script, next);
            return [];
        }
    }
}
