using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Pv;

namespace Osprey.Script.CoreFunctions;

/// <summary>
/// The textops functions the default config needs to route without tm (is_method, append_hf, remove_hf,
/// is_present_hf). A fuller textops in Osprey.Modules, loaded later, takes precedence (last loaded wins).
/// </summary>
[Module("textops")]
public sealed class TextopsBasics : ModuleBase
{
    /// <summary>is_method("INVITE|REGISTER"): the request method (CSeq method for replies) is one of the list.</summary>
    [Function("is_method")]
    public int IsMethod(MessageContext ctx, string methods)
    {
        var m = ctx.Message;
        var method = m.IsRequest ? m.MethodText : m.CSeq.MethodRange.Of(m.Span);
        foreach (var range in methods.AsSpan().Split('|'))
        {
            var name = methods.AsSpan()[range].Trim();
            if (name.Length != method.Length) continue;
            bool same = true;
            for (int i = 0; i < name.Length && same; i++) same = char.ToUpperInvariant(name[i]) == char.ToUpperInvariant((char)method[i]);
            if (same) return 1;
        }
        return -1;
    }

    /// <summary>append_hf("Name: value\r\n"): adds a header line after the last header.</summary>
    [Function("append_hf")]
    public int AppendHeader(MessageContext ctx, string line)
    {
        if (line.Length == 0) return -1;
        ctx.Editor.AppendHeaderLine(Encoding.UTF8.GetBytes(line));
        return 1;
    }

    /// <summary>remove_hf("Name"): removes every header with that name; -1 when there was none.</summary>
    [Function("remove_hf")]
    public int RemoveHeader(MessageContext ctx, string name)
    {
        var h = new HeaderName(name);
        int removed = 0;
        for (int i = 0; ; i++)
        {
            int index = h.Find(ctx.Message, i);
            if (index < 0) break;
            ctx.Editor.RemoveHeader(index);
            removed++;
        }
        return removed > 0 ? removed : -1;
    }

    [Function("is_present_hf")]
    public int IsPresent(MessageContext ctx, string name) => new HeaderName(name).Find(ctx.Message, 0) >= 0 ? 1 : -1;
}

/// <summary>The siputils checks the default config uses.</summary>
[Module("siputils")]
public sealed class SiputilsBasics : ModuleBase
{
    /// <summary>has_totag(): the To header carries a tag (a request inside a dialog).</summary>
    [Function("has_totag")]
    public int HasToTag(MessageContext ctx)
    {
        ref readonly var to = ref ctx.Message.To;
        return to.IsValid && to.HasTag ? 1 : -1;
    }

    [Function("is_request")]
    public int IsRequest(MessageContext ctx) => ctx.Message.IsRequest ? 1 : -1;

    [Function("is_reply")]
    public int IsReply(MessageContext ctx) => ctx.Message.IsRequest ? -1 : 1;
}
