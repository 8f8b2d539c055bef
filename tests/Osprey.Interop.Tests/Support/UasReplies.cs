using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests.Support;

/// <summary>Replies a test UAS sends to a request it received: every Via, From, To (with a tag), Call-ID, CSeq.</summary>
internal static class UasReplies
{
    public static string To(SipMessage req, int status, string reason, string toTag, string? contact = null)
    {
        var sb = new StringBuilder();
        sb.Append("SIP/2.0 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        for (int i = 0; i < req.HeaderCount; i++)
        {
            var id = req.Header(i).Id;
            if (id is HeaderId.Via or HeaderId.From or HeaderId.CallId or HeaderId.CSeq or HeaderId.RecordRoute)
                sb.Append(Encoding.UTF8.GetString(req.Span[req.Header(i).LineStart..req.Header(i).Value.End])).Append("\r\n");
            else if (id == HeaderId.To)
                sb.Append("To: ").Append(req.ValueString(i)).Append(req.To.HasTag || status == 100 ? "" : ";tag=" + toTag).Append("\r\n");
        }
        if (contact is not null) sb.Append("Contact: <").Append(contact).Append(">\r\n");
        sb.Append("Content-Length: 0\r\n\r\n");
        return sb.ToString();
    }
}
