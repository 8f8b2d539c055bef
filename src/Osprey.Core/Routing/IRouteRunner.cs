using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Core.Routing;

/// <summary>
/// Runs a named route block of the loaded script on a context: what tm needs for
/// <c>failure_route[NAME]</c>, <c>onreply_route[NAME]</c>, <c>branch_route[NAME]</c> and
/// <c>event_route[tm:branch-failure:NAME]</c>. Implemented by the script router (the kamailio.cfg
/// compiler, C# scripts); a router without named routes does not implement it.
/// </summary>
public interface IRouteRunner
{
    /// <summary>True when a route of that type and name exists (checked when <c>t_on_*</c> is bound).</summary>
    bool HasRoute(RouteTypes type, string name);

    /// <summary>Runs the route; returns its result in Kamailio's convention: 0 when it ended with
    /// <c>drop</c> (or <c>exit</c> with 0), positive otherwise. A missing route returns 1 and does nothing.</summary>
    int RunRoute(RouteTypes type, string name, MessageContext ctx);
}
