using System.Runtime.CompilerServices;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Registrar;

/// <summary>
/// The received URI nathelper's fix_nated_register() leaves for save() (Kamailio's received_avp): kept
/// per context and dropped as soon as the context moves on to another message. The branches lookup()
/// adds go into the context's own destination set (<see cref="MessageContext.Branches"/>), where tm
/// finds them.
/// </summary>
internal static class ReceivedSlot
{
    private static readonly ConditionalWeakTable<MessageContext, Slot> s_slots = new();

    private sealed class Slot
    {
        public long Owner; // the message's Serial
        public string? Received;
    }

    private static Slot For(MessageContext ctx)
    {
        var s = s_slots.GetOrCreateValue(ctx);
        if (s.Owner != ctx.Message.Serial)
        {
            s.Owner = ctx.Message.Serial;
            s.Received = null;
        }
        return s;
    }

    public static string? Received(MessageContext ctx) => For(ctx).Received;

    public static void SetReceived(MessageContext ctx, string? received) => For(ctx).Received = received;
}
