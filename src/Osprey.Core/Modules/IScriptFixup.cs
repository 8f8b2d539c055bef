namespace Osprey.Core.Modules;

/// <summary>
/// A module that must know, before traffic flows, what its script calls name literally (Kamailio's
/// fixups: registrar registers the location tables that save() and lookup() name, so usrloc loads
/// them at start-up). The script compiler calls it once per bound call, before the modules' Init on
/// the first load and after it on a reload.
/// </summary>
public interface IScriptFixup
{
    /// <summary>Sees one call; <paramref name="literals"/> holds each argument's text when it is a
    /// literal, null when it is computed per message. Returns an error a user can act on, or null.</summary>
    string? Fixup(string function, IReadOnlyList<string?> literals);
}
