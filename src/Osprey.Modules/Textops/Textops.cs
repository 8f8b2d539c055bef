using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Sip.Multipart;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

/// <summary>
/// Kamailio's textops: searching and editing the message text from the script. Every edit is recorded
/// in the context's <see cref="MessageContext.Editor"/> against the received bytes and becomes visible
/// when the message is sent — or earlier, after textopsx's <c>msg_apply_changes()</c> — exactly as
/// Kamailio's lumps: a <c>search</c> after an <c>append_hf</c> does not see the new header.
/// Regular expressions are compiled once per pattern (<see cref="ScriptRegex"/>).
/// </summary>
[Module("textops")]
public sealed partial class Textops : ModuleBase
{
    internal const RouteTypes Rofb = RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Failure | RouteTypes.Branch;
    internal const RouteTypes Rfb = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch;
    internal const int True = 1, False = -1;

    // ---- method ------------------------------------------------------------------------------

    /// <summary><c>is_method("INVITE|REGISTER")</c>: the request method (for replies, CSeq's) is one of
    /// the list. Known methods compare by id; others by name, ignoring case.</summary>
    [Function("is_method", Rofb)]
    public int IsMethod(MessageContext ctx, string methods)
    {
        var set = MethodSet.Get(methods);
        var m = ctx.Message;
        if (m.IsRequest) return set.Contains(m.Method, m.MethodText) ? True : False;
        ref readonly var cseq = ref m.CSeq;
        if (!cseq.IsValid) return False;
        return set.Contains(cseq.Method, cseq.MethodRange.Of(m.Span)) ? True : False;
    }
}
