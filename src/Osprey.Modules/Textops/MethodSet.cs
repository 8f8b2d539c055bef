using System.Collections.Concurrent;
using System.Text;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

/// <summary>
/// The method list of <c>is_method("INVITE|REGISTER")</c>, parsed once per distinct argument: known
/// methods as a bit mask tested by id, other names kept and compared ignoring case (as Kamailio does for
/// methods it has no id for).
/// </summary>
internal sealed class MethodSet
{
    private const int MaxCached = 1024;
    private static readonly ConcurrentDictionary<string, MethodSet> Cache = new(StringComparer.Ordinal);

    private readonly uint _mask;
    private readonly byte[][] _others;

    private MethodSet(uint mask, byte[][] others)
    {
        _mask = mask;
        _others = others;
    }

    public static MethodSet Get(string list)
    {
        if (Cache.TryGetValue(list, out var s)) return s;
        s = Parse(list);
        if (Cache.Count < MaxCached) Cache.TryAdd(list, s);
        return s;
    }

    private static MethodSet Parse(string list)
    {
        uint mask = 0;
        var others = new List<byte[]>();
        foreach (var r in list.AsSpan().Split('|'))
        {
            var name = list.AsSpan()[r].Trim();
            if (name.IsEmpty) continue;
            // Kamailio resolves list entries to method ids ignoring case
            var id = SipMethods.Parse(Encoding.ASCII.GetBytes(name.ToString().ToUpperInvariant()));
            if (id != SipMethod.Other) mask |= 1u << (int)id;
            else others.Add(Encoding.UTF8.GetBytes(name.ToString()));
        }
        return new MethodSet(mask, [.. others]);
    }

    public bool Contains(SipMethod method, ReadOnlySpan<byte> text)
    {
        if (method != SipMethod.Other) return (_mask & (1u << (int)method)) != 0;
        foreach (var o in _others)
        {
            if (SipChars.EqualsIgnoreCase(o, text)) return true;
        }
        return false;
    }
}
