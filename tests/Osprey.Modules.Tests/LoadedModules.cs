using System.Reflection;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Tests;

/// <summary>Starts module instances as a config's loadmodule does (dependencies, Init, then their
/// statistics in the server's registry), so tests read statistics by the names kamcmd lists.</summary>
internal static class LoadedModules
{
    private static readonly ModuleRegistry Known = new([BuiltinModules.Assembly]);

    public static ModuleSet Start(SipServer server, params ModuleBase[] modules)
    {
        var set = new ModuleSet();
        foreach (var m in modules)
        {
            var name = m.GetType().GetCustomAttribute<ModuleAttribute>()!.Name;
            set.Add(new LoadedModule(Known.Find(name).Single(d => d.Type == m.GetType()), m));
        }
        Assert.Empty(set.Start(server));
        return set;
    }

    /// <summary>A statistic's value by its kamcmd name (<c>sl:404_replies</c>).</summary>
    public static long Stat(this SipServer server, string name)
    {
        Assert.True(server.Statistics.TryGet(name, out var s), name + " is not registered");
        return s.Read();
    }
}
