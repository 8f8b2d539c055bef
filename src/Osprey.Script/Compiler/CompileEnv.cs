using Osprey.Core.Modules;
using Osprey.Script.Diagnostics;

namespace Osprey.Script.Compiler;

/// <summary>What the compiler knows while compiling one expression: where it is, and the script-wide tables.</summary>
internal sealed class CompileEnv
{
    private readonly Dictionary<string, int> _varSlots;
    private readonly IReadOnlyDictionary<string, PvValue> _customVars;

    public CompileEnv(Dictionary<string, int> varSlots, IReadOnlyDictionary<string, PvValue> customVars)
    {
        _varSlots = varSlots;
        _customVars = customVars;
    }

    public SourceLocation Location { get; set; }
    public string? RouteName { get; set; }
    public RouteTypes RouteType { get; set; }

    public int VarSlot(string name)
    {
        if (!_varSlots.TryGetValue(name, out var slot)) _varSlots[name] = slot = _varSlots.Count;
        return slot;
    }

    public PvValue? CustomVariable(string groupDotName) => _customVars.TryGetValue(groupDotName, out var v) ? v : null;
}
