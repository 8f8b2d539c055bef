using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;

namespace Osprey.Script.Pv;

/// <summary>
/// A pseudo-variable resolved at compile time: name, inner name, index and transformations are all
/// bound; reading or writing is one virtual call.
/// </summary>
internal abstract class PvAccessor
{
    public abstract PvValue Get(MessageContext c, ScriptState s);

    public virtual bool CanWrite => false;

    /// <summary>Assignment; <see cref="PvValue.Null"/> is the script's <c>= $null</c> (delete or reset).</summary>
    public virtual void Set(MessageContext c, ScriptState s, PvValue value)
    {
    }

    /// <summary>Message-backed value as bytes (see <see cref="Ev.TryUtf8"/>).</summary>
    public virtual bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined)
    {
        value = default;
        defined = false;
        return false;
    }

    public virtual bool IsDefined(MessageContext c, ScriptState s)
    {
        if (TryUtf8(c, s, out _, out var d)) return d;
        return !Get(c, s).IsNull;
    }

    public virtual ValueKind Kind => ValueKind.Unknown;
}

internal delegate bool SpanGetter(MessageContext c, out ReadOnlySpan<byte> value);

/// <summary>A message-part pseudo-variable: bytes of the message when possible, with an optional setter.</summary>
internal sealed class MessagePv : PvAccessor
{
    private readonly SpanGetter? _span;
    private readonly Func<MessageContext, PvValue>? _get;
    private readonly Action<MessageContext, PvValue>? _set;
    private readonly ValueKind _kind;

    public MessagePv(SpanGetter span, Action<MessageContext, PvValue>? set = null)
    {
        _span = span;
        _set = set;
        _kind = ValueKind.Unknown;
    }

    public MessagePv(Func<MessageContext, PvValue> get, Action<MessageContext, PvValue>? set = null, ValueKind kind = ValueKind.Unknown)
    {
        _get = get;
        _set = set;
        _kind = kind;
    }

    public override PvValue Get(MessageContext c, ScriptState s)
    {
        if (_get is not null) return _get(c);
        return _span!(c, out var v) ? PvValue.FromString(Values.Utf8(v)) : PvValue.Null;
    }

    public override bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined)
    {
        if (_span is null)
        {
            value = default;
            defined = false;
            return false;
        }
        defined = _span(c, out value);
        return true;
    }

    public override bool CanWrite => _set is not null;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => _set?.Invoke(c, value);
    public override ValueKind Kind => _kind;
}

/// <summary>A pseudo-variable that needs the script state ($var, $rc, ...).</summary>
internal sealed class StatePv(Func<MessageContext, ScriptState, PvValue> get, Action<MessageContext, ScriptState, PvValue>? set = null, ValueKind kind = ValueKind.Unknown) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => get(c, s);
    public override bool CanWrite => set is not null;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => set?.Invoke(c, s, value);
    public override ValueKind Kind => kind;
}

internal sealed class ConstPv(PvValue value) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => value;
    public override ValueKind Kind => value.IsInt ? ValueKind.Int : value.IsString ? ValueKind.Str : ValueKind.Unknown;
}

/// <summary>$var(name): a slot in the per-thread state. <c>= $null</c> resets it to 0, as Kamailio does.</summary>
internal sealed class VarPv(int slot) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => s.Vars[slot];
    public override bool CanWrite => true;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => s.Vars[slot] = value.IsNull ? Values.Zero : value;
}

/// <summary>$avp(name) / $(avp(name)[i]) / $(avp(name)[*]).</summary>
internal sealed class AvpPv(string name, int index, bool all, Ev? dynamicIndex) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s)
    {
        if (all)
        {
            int n = c.Avps.CountOf(name);
            if (n == 0) return PvValue.Null;
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < n; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(Values.ToPrint(c.Avps.Get(name, i)));
            }
            return PvValue.FromString(sb.ToString());
        }
        return c.Avps.Get(name, dynamicIndex is null ? index : dynamicIndex.EvalInt(c, s));
    }

    public override bool CanWrite => true;

    public override void Set(MessageContext c, ScriptState s, PvValue value)
    {
        if (all)
        {
            c.Avps.RemoveAll(name);
            if (!value.IsNull) c.Avps.Push(name, value);
            return;
        }
        if (value.IsNull)
        {
            c.Avps.Remove(name, index);
            return;
        }
        if (index == 0 && dynamicIndex is null) c.Avps.Push(name, value);
        else c.Avps.Replace(name, dynamicIndex is null ? index : dynamicIndex.EvalInt(c, s), value);
    }
}

/// <summary>$xavp(root=>field), $xavp(root[i]=>field[j]), $xavp(root) (item exists).</summary>
internal sealed class XavpPv(string root, int rootIndex, string? field, int fieldIndex) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s)
    {
        var item = c.Xavps.Get(root, Math.Max(0, rootIndex));
        if (item is null) return PvValue.Null;
        if (field is null) return PvValue.FromString("<<xavp:" + root + ">>");
        return item.Get(field, fieldIndex);
    }

    public override bool CanWrite => true;

    public override void Set(MessageContext c, ScriptState s, PvValue value)
    {
        if (field is null)
        {
            if (value.IsNull)
            {
                var it = c.Xavps.Get(root, rootIndex);
                if (it is not null) c.Xavps.Remove(it);
            }
            return;
        }
        if (value.IsNull)
        {
            var it = c.Xavps.Get(root, Math.Max(0, rootIndex));
            if (it is null) return;
            for (int i = it.Fields.Count - 1, k = fieldIndex; i >= 0; i--)
            {
                if (it.Fields[i].Key == field && k-- == 0) { it.Fields.RemoveAt(i); break; }
            }
            return;
        }
        // $xavp(r=>f) = v starts a new item; $xavp(r[0]=>f) = v adds a field to the existing newest item.
        var item = rootIndex < 0 ? c.Xavps.Push(root) : c.Xavps.Get(root, rootIndex) ?? c.Xavps.Push(root);
        item.Fields.Add(new(field, value));
    }
}

/// <summary>$shv(name): one value shared by all threads (and kept across reloads).</summary>
internal sealed class ShvPv(SharedVariable slot) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => slot.Value;
    public override bool CanWrite => true;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => slot.Value = value.IsNull ? Values.Zero : value;
}

internal sealed class SharedVariable
{
    private readonly Lock _lock = new();
    private PvValue _value = Values.Zero;

    public PvValue Value
    {
        get { lock (_lock) return _value; }
        set { lock (_lock) _value = value; }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SharedVariable> All = new(StringComparer.Ordinal);
    public static SharedVariable Get(string name) => All.GetOrAdd(name, _ => new SharedVariable());
}

/// <summary>A pseudo-variable with transformations: read-only.</summary>
internal sealed class TransformedPv(PvAccessor inner, Transforms.Transform[] chain) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s)
    {
        var v = inner.Get(c, s);
        foreach (var t in chain) v = t.Apply(c, s, v);
        return v;
    }
}

/// <summary>A module's [PseudoVar] getter and optional setter, bound to the module instance once. An inner
/// name holding PVs (<c>$sht(table=>$ci)</c>) is formatted per message before the module sees it.</summary>
internal sealed class ModulePv(Func<MessageContext, string?, PvValue> get, Action<MessageContext, string?, PvValue>? set, string? inner, Ev? innerFormat = null) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => get(c, innerFormat is null ? inner : innerFormat.EvalString(c, s));
    public override bool CanWrite => set is not null;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => set?.Invoke(c, innerFormat is null ? inner : innerFormat.EvalString(c, s), value);
}

/// <summary>A pseudo-variable whose inner name holds PVs ($hdr($var(h))): resolved per message.</summary>
internal sealed class DynamicInnerPv(Func<string, PvAccessor?> resolve, Ev innerName) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s) => resolve(innerName.EvalString(c, s))?.Get(c, s) ?? PvValue.Null;
    public override bool CanWrite => true;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => resolve(innerName.EvalString(c, s))?.Set(c, s, value);
}
