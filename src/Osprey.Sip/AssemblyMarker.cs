namespace Osprey.Sip;
internal static class AssemblyMarker { }
