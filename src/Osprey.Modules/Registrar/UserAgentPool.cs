using System.Text;

namespace Osprey.Modules.Registrar;

/// <summary>
/// User-Agent values shared by the bindings that carry the same one: a fleet of phones sends a handful
/// of distinct strings, so one copy each instead of one per contact (memory per registered contact).
/// A small direct-mapped cache keyed by a hash of the header bytes; a collision just replaces the slot.
/// Lock-free: slots hold immutable strings.
/// </summary>
internal sealed class UserAgentPool
{
    private const int Slots = 256;
    private readonly string?[] _slots = new string?[Slots];

    /// <summary>The string for these header bytes, reused when the pool has it (no allocation then).</summary>
    public string Get(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return "";
        uint h = 2166136261;
        foreach (byte b in value) h = (h ^ b) * 16777619;
        ref string? slot = ref _slots[h & (Slots - 1)];
        var s = Volatile.Read(ref slot);
        if (s is not null && RegistrarModule.Equal(s, value)) return s;
        s = Encoding.UTF8.GetString(value);
        Volatile.Write(ref slot, s);
        return s;
    }
}
