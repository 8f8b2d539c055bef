namespace Osprey.Script;
internal static class AssemblyMarker { }
