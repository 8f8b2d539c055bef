using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Osprey.Core.Rpc;

/// <summary>
/// Writes a CLR value as an RPC value: string, integers, floating point, bool, enums (as their name),
/// <see cref="IDictionary"/> (a struct), sequences (an array), <see cref="DateTime"/>/<see cref="TimeSpan"/>
/// (text), and other objects as a struct of their public properties. Used for the return value of
/// <c>[Rpc]</c> methods with simple signatures and for <c>AddValue</c>; a handler that streams a large
/// result should use the writer API instead.
/// </summary>
internal static class RpcValueWriter
{
    private const int MaxDepth = 32;

    public static void Write(RpcResult result, int depth, string? name, object? value) => Write(result, depth, name, value, 0);

    private static void Write(RpcResult r, int depth, string? name, object? value, int level)
    {
        if (level > MaxDepth)
            throw new InvalidOperationException("RPC value nested deeper than " + MaxDepth + " (a cycle?)");
        switch (value)
        {
            case null: r.AddString(depth, name, null); return;
            case string s: r.AddString(depth, name, s); return;
            case bool b: r.AddBool(depth, name, b); return;
            case int or long or short or sbyte or byte or ushort or uint: r.AddInt(depth, name, Convert.ToInt64(value, CultureInfo.InvariantCulture)); return;
            case ulong ul: if (ul <= long.MaxValue) r.AddInt(depth, name, (long)ul); else r.AddString(depth, name, ul.ToString(CultureInfo.InvariantCulture)); return;
            case double d: r.AddDouble(depth, name, d); return;
            case float f: r.AddDouble(depth, name, f); return;
            case decimal m: r.AddDouble(depth, name, (double)m); return;
            case Enum e: r.AddString(depth, name, e.ToString()); return;
            case DateTime dt: r.AddString(depth, name, dt.ToString("O", CultureInfo.InvariantCulture)); return;
            case DateTimeOffset dto: r.AddString(depth, name, dto.ToString("O", CultureInfo.InvariantCulture)); return;
            case TimeSpan ts: r.AddString(depth, name, ts.ToString("c", CultureInfo.InvariantCulture)); return;
            case System.Net.IPAddress or System.Net.EndPoint or Uri or Guid: r.AddString(depth, name, value.ToString()); return;
            case IDictionary dict:
            {
                int d = r.Open(depth, name, isStruct: true);
                foreach (DictionaryEntry e in dict)
                    Write(r, d, Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "", e.Value, level + 1);
                r.Close(d);
                return;
            }
            case IEnumerable seq:
            {
                int d = r.Open(depth, name, isStruct: false);
                foreach (var item in seq)
                    Write(r, d, null, item, level + 1);
                r.Close(d);
                return;
            }
            default:
            {
                int d = r.Open(depth, name, isStruct: true);
                foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (p.GetIndexParameters().Length != 0)
                        continue;
                    Write(r, d, p.Name, p.GetValue(value), level + 1);
                }
                r.Close(d);
                return;
            }
        }
    }
}
