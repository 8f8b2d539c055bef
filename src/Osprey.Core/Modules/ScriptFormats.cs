namespace Osprey.Core.Modules;

/// <summary>Compiles text with pseudo-variables (<c>"$fU@$fd"</c>) into a <see cref="ScriptFormat"/>; the
/// script engine provides it while it compiles the config.</summary>
public interface IScriptFormatCompiler
{
    /// <summary>The compiled text, or null with a message a user can act on.</summary>
    ScriptFormat? Compile(string text, out string? error);
}

/// <summary>
/// A module whose parameters hold pseudo-variables (acc's <c>log_extra</c>): the script engine calls
/// <see cref="CompileFormats"/> once, after the routes are compiled and before the module's Init, so the
/// values are bound like the script's own (Kamailio's fixups), never parsed per message.
/// </summary>
public interface IUsesScriptFormats
{
    /// <summary>Compiles the module's formats; returns an error message or null.</summary>
    string? CompileFormats(IScriptFormatCompiler compiler);
}
