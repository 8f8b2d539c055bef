using System.Reflection;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

/// <summary>Freed transactions serve again (TransactionPool): a reused one must behave exactly as a new
/// one, and nothing of the call it served before may show through.</summary>
public class TransactionPoolTests
{
    private static string CallOf(string callId, string branch) => Invite(branch: branch, callId: callId);

    private static void Complete(TmHarness h, string callId, string branch)
    {
        int mark = h.Net.Mark;
        h.FromUac(CallOf(callId, branch));
        var inv = h.Net.To(Uas, mark)[^1];
        Assert.Equal(callId, System.Text.Encoding.ASCII.GetString(inv.CallId));
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        h.FromUas(ReplyTo(inv, 200, "OK"));
        var ok = h.Net.To(Uac, mark)[^1];
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(callId, System.Text.Encoding.ASCII.GetString(ok.CallId));
        Assert.Equal(branch, ok.TopVia.BranchString);
    }

    [Fact]
    public void A_freed_transaction_serves_a_new_call_after_its_grace_time_and_not_before()
    {
        var h = new TmHarness();
        Complete(h, "call-a", "z9hG4bKa1");
        h.Clock.Advance(5_500); // wt_timer: the transaction is freed
        Assert.Equal(0, h.Layer.Count);
        Assert.Equal(1, h.Layer.Pool.Count);

        // freed just now: a new call gets a new object
        Complete(h, "call-b", "z9hG4bKb1");
        Assert.Equal(1, h.Layer.Pool.Count);

        h.Clock.Advance(TransactionPool.GraceMs);
        Complete(h, "call-c", "z9hG4bKc1");
        Assert.Equal(0, h.Layer.Pool.Count); // call-a's object took call-c
        Assert.Equal(2, h.Layer.Count);

        // call-a's INVITE again is a new request, not a retransmission matched to the reused object
        int mark = h.Net.Mark;
        h.FromUac(CallOf("call-a", "z9hG4bKa1"));
        var again = h.Net.To(Uas, mark);
        Assert.Single(again);
        Assert.Equal("call-a", System.Text.Encoding.ASCII.GetString(again[0].CallId));
        Assert.Equal(3, h.Layer.Count);

        // call-c's 200 retransmitted by the UAS still goes up on call-c's transaction
        var invC = h.Net.Sent.Select(s => Parse(s.Data)).Last(m => m.IsRequest && System.Text.Encoding.ASCII.GetString(m.CallId) == "call-c");
        mark = h.Net.Mark;
        h.FromUas(ReplyTo(invC, 200, "OK"));
        var up = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal("call-c", System.Text.Encoding.ASCII.GetString(up.CallId));
        Assert.Equal("z9hG4bKc1", up.TopVia.BranchString);

        var stats = h.Tm.RpcStats();
        Assert.Equal(4, stats.Created);
    }

    [Fact]
    public void Unused_freed_transactions_are_let_go_when_load_goes_down()
    {
        var h = new TmHarness();
        Complete(h, "call-a", "z9hG4bKa1");
        Assert.Equal(1, h.Layer.Count);
        h.Clock.Advance(5_500); // wt_timer
        Assert.Equal(0, h.Layer.Count);
        Assert.Equal(1, h.Tm.RpcStats().Freed);
        Assert.Equal(1, h.Layer.Pool.Count);
        // a lull of a few seconds keeps it for the calls that follow
        h.Clock.Advance(TransactionPool.GraceMs + 2 * TransactionLayer.TrimIntervalMs);
        Assert.Equal(1, h.Layer.Pool.Count);
        // nobody took it for IdleTrimsBeforeRelease trim intervals after its grace time: it is gone
        h.Clock.Advance((TmBuffers.IdleTrimsBeforeRelease + 1) * TransactionLayer.TrimIntervalMs);
        Assert.Equal(0, h.Layer.Pool.Count);
    }

    private static SipMessage Parse(byte[] data) => SipMessage.Parse(data, Framing.Datagram, out _)!;

    [Fact]
    public void Reset_for_reuse_leaves_every_field_as_a_new_transaction_has_it()
    {
        var kept = new HashSet<string> { "Gate", "Branches", "KeyBuffer", "OwnAvps" };
        var tx = new Transaction();
        Dirty(tx, kept);
        tx.ResetForReuse();
        AssertLikeNew(tx, new Transaction(), kept);
    }

    [Fact]
    public void Reset_for_reuse_leaves_every_field_as_a_new_branch_has_it()
    {
        var owner = new Transaction();
        var kept = new HashSet<string> { "<Transaction>k__BackingField", "<Index>k__BackingField" };
        var b = new ClientBranch(owner, 0);
        Dirty(b, kept);
        b.ResetForReuse();
        AssertLikeNew(b, new ClientBranch(owner, 0), kept);
    }

    private static FieldInfo[] Fields(Type t) => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    // every field (but the kept ones) to a value a new instance does not have
    private static void Dirty(object o, HashSet<string> kept)
    {
        foreach (var f in Fields(o.GetType()))
        {
            if (kept.Contains(f.Name) || f.IsInitOnly) continue;
            var v = DirtyValue(f.FieldType, 0);
            Assert.True(v is not null, "no test value for " + f.Name + " (" + f.FieldType + ")");
            f.SetValue(o, v);
        }
    }

    private static object? DirtyValue(Type t, int depth)
    {
        if (t == typeof(bool)) return true;
        if (t.IsEnum) return Enum.ToObject(t, 1);
        if (t.IsPrimitive) return Convert.ChangeType(7, t);
        if (t == typeof(string)) return "dirty";
        if (t == typeof(ReadOnlyMemory<byte>)) return new ReadOnlyMemory<byte>([1, 2]);
        if (t.IsArray) return Array.CreateInstance(t.GetElementType()!, 1);
        if (t == typeof(System.Net.IPEndPoint)) return new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9);
        if (t == typeof(Osprey.Transport.ListenEndpoint)) return new Osprey.Transport.ListenEndpoint(Osprey.Transport.SipProtocol.Tcp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
        if (t == typeof(SipMessage)) return SipMessage.Parse("OPTIONS sip:a@b SIP/2.0\r\n\r\n"u8.ToArray(), Framing.Datagram, out _);
        if (t == typeof(Transaction)) return new Transaction();
        if (t == typeof(object)) return new object();
        if (t.IsValueType)
        {
            if (depth > 3) return null;
            object boxed = Activator.CreateInstance(t)!;
            foreach (var f in Fields(t))
            {
                var v = DirtyValue(f.FieldType, depth + 1);
                if (v is not null) f.SetValue(boxed, v);
            }
            return boxed;
        }
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>)) return Activator.CreateInstance(t);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskCompletionSource<>)) return Activator.CreateInstance(t);
        var ctor = t.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes);
        return ctor?.Invoke(null) ?? System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t);
    }

    private static void AssertLikeNew(object reset, object fresh, HashSet<string> kept)
    {
        foreach (var f in Fields(reset.GetType()))
        {
            if (kept.Contains(f.Name) || f.IsInitOnly) continue;
            object? a = f.GetValue(reset), b = f.GetValue(fresh);
            bool same = a switch
            {
                null => b is null,
                ReadOnlyMemory<byte> m => m.IsEmpty && ((ReadOnlyMemory<byte>)b!).IsEmpty,
                Array arr => b is Array barr && arr.Length == barr.Length,
                _ when f.FieldType.IsValueType => a.Equals(b),
                _ => ReferenceEquals(a, b) || (a is string s && s == (string?)b),
            };
            Assert.True(same, f.Name + " is not reset: " + a + " (a new one has " + (b ?? "null") + ")");
        }
    }
}
