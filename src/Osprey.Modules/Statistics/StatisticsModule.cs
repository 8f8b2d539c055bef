using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Stats;

namespace Osprey.Modules.Statistics;

/// <summary>
/// The <c>statistics</c> module: statistics declared by the script (<c>modparam("statistics", "variable",
/// "name")</c>, or <c>group:name</c>, with <c>/no_reset</c> to survive resets) and the functions
/// <c>update_stat(name, value)</c> and <c>reset_stat(name)</c>. Undeclared names go to the
/// <c>script</c> group, as in Kamailio.
/// </summary>
[Module("statistics")]
public sealed class StatisticsModule : ModuleBase
{
    public const string ScriptGroup = "script";
    private readonly List<string> _declared = [];

    [ModParam("variable")]
    public string Variable
    {
        get => _declared.Count > 0 ? _declared[^1] : "";
        set => _declared.Add(value);
    }

    public override string? Init()
    {
        foreach (var d in _declared)
        {
            string spec = d.Trim();
            var flags = StatFlags.None;
            int slash = spec.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                string flag = spec[(slash + 1)..].Trim();
                if (!flag.Equals("no_reset", StringComparison.OrdinalIgnoreCase))
                    return "statistics: unknown flag '" + flag + "' in variable '" + d + "' (only no_reset)";
                flags = StatFlags.NoReset;
                spec = spec[..slash].Trim();
            }
            string group = ScriptGroup, name = spec;
            int colon = spec.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                group = spec[..colon];
                name = spec[(colon + 1)..];
            }
            if (group.Length == 0 || name.Length == 0)
                return "statistics: bad variable '" + d + "'";
            if (Server.Statistics.TryGet(group + ":" + name, out _))
                continue;
            Server.Statistics.RegisterGauge(group, name, flags);
        }
        return null;
    }

    /// <summary><c>update_stat(name, value)</c>: adds value (may be negative); -1 when the statistic is unknown.</summary>
    [Function("update_stat")]
    public int UpdateStat(MessageContext ctx, string name, int value) => Update(Server.Statistics, name, value);

    /// <summary><c>reset_stat(name)</c>: sets it to 0 (unless no-reset); -1 when unknown.</summary>
    [Function("reset_stat")]
    public int ResetStat(MessageContext ctx, string name)
    {
        if (!Server.Statistics.TryGet(name, out var s))
            return -1;
        s.Reset();
        return 1;
    }

    public static int Update(StatsRegistry registry, string name, long value)
    {
        if (!registry.TryGet(name, out var s))
            return -1;
        switch (s)
        {
            case StatGauge g: g.Add(value); return 1;
            case StatCounter c when value >= 0: c.Add(value); return 1;
            default: return -1;
        }
    }
}
