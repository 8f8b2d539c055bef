using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Core.Pipeline;

/// <summary>
/// Per-message state that script functions of several modules share: what a locally generated reply
/// must carry (textops' <c>append_to_reply</c>, <c>set_reply_body</c>, <c>append_time</c>), script
/// flags (kex's <c>setsflag</c>) and the message swap behind textopsx's <c>msg_apply_changes</c>.
/// </summary>
public sealed partial class MessageContext
{
    private byte[] _replyHeaders = new byte[256];
    private int _replyHeadersLength;

    /// <summary>
    /// Header lines (each ending in CRLF) to add to the next reply generated locally for this request
    /// (<c>append_to_reply</c>, <c>append_time</c>). Whoever builds a local reply — sl's <c>sl_send_reply</c>,
    /// tm's <c>t_reply</c>, sanity, registrar — passes these as extra headers.
    /// </summary>
    public ReadOnlySpan<byte> ReplyHeaders => _replyHeaders.AsSpan(0, _replyHeadersLength);

    /// <summary>Body for the next locally generated reply (<c>set_reply_body</c>); null for none.</summary>
    public string? ReplyBody { get; set; }

    /// <summary>Content-Type of <see cref="ReplyBody"/>.</summary>
    public string? ReplyContentType { get; set; }

    /// <summary>Script flags (<c>setsflag</c>/<c>issflagset</c>): 64 flags that belong to the processing of
    /// this message and, unlike message flags, are never stored with a transaction.</summary>
    public ulong ScriptFlags { get; set; }

    /// <summary>Adds header text (one or more lines ending in CRLF) to <see cref="ReplyHeaders"/>.</summary>
    public void AppendReplyHeaders(ReadOnlySpan<byte> lines)
    {
        if (_replyHeadersLength + lines.Length > _replyHeaders.Length)
        {
            Array.Resize(ref _replyHeaders, Math.Max(_replyHeaders.Length * 2, _replyHeadersLength + lines.Length));
        }
        lines.CopyTo(_replyHeaders.AsSpan(_replyHeadersLength));
        _replyHeadersLength += lines.Length;
    }

    /// <summary>Adds header text given as a string (UTF-8).</summary>
    public void AppendReplyHeaders(string lines)
    {
        int max = Encoding.UTF8.GetMaxByteCount(lines.Length);
        if (_replyHeadersLength + max > _replyHeaders.Length)
        {
            Array.Resize(ref _replyHeaders, Math.Max(_replyHeaders.Length * 2, _replyHeadersLength + max));
        }
        _replyHeadersLength += Encoding.UTF8.GetBytes(lines, _replyHeaders.AsSpan(_replyHeadersLength));
    }

    /// <summary>
    /// Replaces the message being processed by <paramref name="message"/> (textopsx's
    /// <c>msg_apply_changes</c>: the edits so far were applied and the result re-parsed). The editor is
    /// reset to the new message, so later edits are recorded against its bytes; routing decisions
    /// (destination URI, new Request-URI, flags, reply additions) are kept. The message must own its
    /// buffer (not the receive buffer).
    /// </summary>
    public void ReplaceMessage(SipMessage message)
    {
        Message = message;
        Editor.Reset(message);
    }

    private void ResetScriptState()
    {
        _replyHeadersLength = 0;
        ReplyBody = null;
        ReplyContentType = null;
        ScriptFlags = 0;
    }
}
