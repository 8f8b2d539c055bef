namespace Osprey.Modules;

/// <summary>Anchor for the built-in modules assembly (one folder per module).</summary>
public static class BuiltinModules
{
    public static System.Reflection.Assembly Assembly => typeof(BuiltinModules).Assembly;
}
