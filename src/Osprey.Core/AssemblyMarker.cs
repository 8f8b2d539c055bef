namespace Osprey.Core;
internal static class AssemblyMarker { }
