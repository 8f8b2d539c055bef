using System.Text;
using Osprey.Core.Modules;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

/// <summary>
/// The pseudo-variables <c>$T_req(pv)</c> and <c>$T_rpl(pv)</c> read from another message than the
/// current one. Until the script runtime offers evaluation against an arbitrary message, the common
/// message PVs are read here directly.
/// </summary>
internal static class MessagePv
{
    public static PvValue Get(SipMessage? msg, string? pv)
    {
        if (msg is null || string.IsNullOrEmpty(pv)) return PvValue.Null;
        var name = pv.AsSpan().Trim();
        if (name.StartsWith("$")) name = name[1..];
        if (name.StartsWith("hdr(") && name.EndsWith(")"))
        {
            var h = Encoding.UTF8.GetBytes(name[4..^1].ToString());
            int i = msg.IndexOf(h);
            return i < 0 ? PvValue.Null : PvValue.FromString(msg.ValueString(i));
        }
        return name switch
        {
            "rm" => PvValue.FromString(Encoding.UTF8.GetString(msg.IsRequest ? msg.MethodText : msg.CSeq.MethodRange.Of(msg.Span))),
            "ru" => msg.IsRequest ? PvValue.FromString(Encoding.UTF8.GetString(msg.RequestUriText)) : PvValue.Null,
            "rs" => msg.IsReply ? PvValue.FromInt(msg.StatusCode) : PvValue.Null,
            "rr" => msg.IsReply ? PvValue.FromString(Encoding.UTF8.GetString(msg.Reason)) : PvValue.Null,
            "ci" => PvValue.FromString(Encoding.UTF8.GetString(msg.CallId)),
            "cs" => PvValue.FromInt(msg.CSeq.Number),
            "fu" => PvValue.FromString(msg.From.UriString),
            "tu" => PvValue.FromString(msg.To.UriString),
            "ft" => PvValue.FromString(msg.From.TagString),
            "tt" => msg.To.HasTag ? PvValue.FromString(msg.To.TagString) : PvValue.Null,
            "ua" => Header(msg, HeaderId.UserAgent),
            "ct" => Header(msg, HeaderId.Contact),
            "mb" => PvValue.FromString(msg.ToString()),
            "rb" => PvValue.FromString(Encoding.UTF8.GetString(msg.Body)),
            _ => PvValue.Null,
        };
    }

    private static PvValue Header(SipMessage msg, HeaderId id)
    {
        int i = msg.IndexOf(id);
        return i < 0 ? PvValue.Null : PvValue.FromString(msg.ValueString(i));
    }
}
