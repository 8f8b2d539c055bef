using System.Runtime.CompilerServices;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Registrar;

/// <summary>
/// A branch lookup() adds for forking (a contact beyond the first): the Request-URI of the branch, its
/// destination URI ($du: first Path hop or received address), the Path to use as its route set, q,
/// flow data, and the local socket to send from. tm turns these into client transactions.
/// </summary>
internal sealed record ContactBranch(string Uri, string? DestinationUri, string? Path, int Q, string? Instance, string Ruid, string? Socket, uint CFlags);

/// <summary>
/// The additional branches (Kamailio's destination set) of the message a context holds, until
/// MessageContext carries its own destination set (the tm work adds one): kept per context and
/// dropped as soon as the context moves on to another message.
/// </summary>
internal static class DestinationSetSlot
{
    private static readonly ConditionalWeakTable<MessageContext, Slot> s_slots = new();

    private sealed class Slot
    {
        public SipMessage? Owner;
        public readonly List<ContactBranch> Branches = [];
        public string? FirstPath;
        public string? Received;
    }

    private static Slot For(MessageContext ctx)
    {
        var s = s_slots.GetOrCreateValue(ctx);
        if (!ReferenceEquals(s.Owner, ctx.Message))
        {
            s.Owner = ctx.Message;
            s.Branches.Clear();
            s.FirstPath = null;
            s.Received = null;
        }
        return s;
    }

    /// <summary>The branches added for the current message (empty when none).</summary>
    public static List<ContactBranch> Branches(MessageContext ctx) => For(ctx).Branches;

    public static void Add(MessageContext ctx, ContactBranch b) => For(ctx).Branches.Add(b);

    public static void Clear(MessageContext ctx) => For(ctx).Branches.Clear();

    /// <summary>The Path of the contact lookup() put in the Request-URI (the route set of the first branch).</summary>
    public static string? FirstBranchPath(MessageContext ctx) => For(ctx).FirstPath;

    public static void SetFirstBranchPath(MessageContext ctx, string? path) => For(ctx).FirstPath = path;

    /// <summary>The received URI nathelper's fix_nated_register() leaves for save() (Kamailio's received_avp).</summary>
    public static string? Received(MessageContext ctx) => For(ctx).Received;

    public static void SetReceived(MessageContext ctx, string? received) => For(ctx).Received = received;
}
