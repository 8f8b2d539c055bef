using System.Net;
using Osprey.Transport;

namespace Osprey.Core.Dns;

/// <summary>
/// Where to send: transport and address. <see cref="HostName"/> is the DNS name the address came from
/// (the SRV target or the URI host), for TLS server-name checks; null for IP literals.
/// </summary>
public readonly record struct SipTarget(SipProtocol Protocol, IPEndPoint EndPoint, string? HostName);

/// <summary>
/// What a SIP URI's host part names: the host, the port (0 when the URI has none), the
/// <c>transport</c> parameter (null when absent) and whether the scheme is <c>sips</c>.
/// </summary>
public readonly record struct SipDestination(string Host, int Port = 0, SipProtocol? Transport = null, bool Secure = false);

/// <summary>
/// One SRV record's worth of targets: every address of the SRV target (or of the host, when
/// there was no SRV) with the same transport and port, and the record's weight.
/// </summary>
internal sealed class TargetChoice(ushort weight, SipTarget[] addresses)
{
    public ushort Weight { get; } = weight;

    public SipTarget[] Addresses { get; } = addresses;
}

/// <summary>Choices of one priority (one SRV priority of one NAPTR record); tried before later groups.</summary>
internal sealed class TargetGroup(TargetChoice[] choices)
{
    // Zero-weight choices first, as RFC 2782's selection procedure lays them out.
    public TargetChoice[] Choices { get; } = [.. choices.OrderBy(c => c.Weight == 0 ? 0 : 1)];

    public int TotalWeight { get; } = choices.Sum(c => c.Weight);
}

/// <summary>
/// The resolved targets of one <see cref="SipDestination"/> (RFC 3263 §4): groups in failover order
/// (NAPTR order/preference, then SRV priority), each holding SRV choices picked by weight (RFC 2782).
/// Immutable and cached; each use draws its own order with <see cref="GetTargets"/> or
/// <see cref="TryPickFirst"/>.
/// </summary>
public sealed class SipTargetSet
{
    internal SipTargetSet(SipDestination destination, DnsStatus status, string? error, TargetGroup[] groups, long expiresAt, int generation)
    {
        Destination = destination;
        Status = status;
        Error = error;
        Groups = groups;
        ExpiresAt = expiresAt;
        Generation = generation;
    }

    public SipDestination Destination { get; }

    /// <summary><see cref="DnsStatus.Ok"/> when there is at least one target; otherwise why not.</summary>
    public DnsStatus Status { get; }

    /// <summary>A message a user can act on when resolution failed.</summary>
    public string? Error { get; }

    /// <summary>When the shortest-lived record this set was built from expires (<see cref="Environment.TickCount64"/> ms).</summary>
    public long ExpiresAt { get; }

    internal int Generation { get; }

    internal TargetGroup[] Groups { get; }

    /// <summary>More than one address to try (failover has somewhere to go).</summary>
    internal bool HasSeveralTargets
    {
        get
        {
            int n = 0;
            foreach (var g in Groups)
            {
                foreach (var c in g.Choices)
                {
                    n += c.Addresses.Length;
                }
            }

            return n > 1;
        }
    }

    /// <summary>Every target in one drawn order, ignoring the blocklist (for <c>dns.lookup</c> and tests).</summary>
    public IReadOnlyList<SipTarget> ToList(bool loadBalance = true)
    {
        var list = new List<SipTarget>();
        var it = new SipTargetIterator(this, null, loadBalance, true);
        while (it.TryNext(out var t))
        {
            list.Add(t);
        }

        return list;
    }

    /// <summary>
    /// A fresh walk over the targets in failover order, skipping those <paramref name="blocklist"/> blocks
    /// at the moment each is reached. tm keeps one per branch to fail over (<c>use_dns_failover</c>).
    /// </summary>
    public SipTargetIterator GetTargets(DestinationBlocklist? blocklist, bool loadBalance, bool failover = true)
        => new(this, blocklist, loadBalance, failover);

    /// <summary>
    /// The first target a fresh walk would yield, drawn without allocating: the first group with an
    /// unblocked address, a choice within it by weight, that choice's first unblocked address.
    /// </summary>
    public bool TryPickFirst(DestinationBlocklist? blocklist, bool loadBalance, out SipTarget target)
    {
        foreach (var g in Groups)
        {
            int total = 0;
            int eligible = 0;
            foreach (var c in g.Choices)
            {
                if (HasUnblocked(c, blocklist))
                {
                    total += c.Weight;
                    eligible++;
                }
            }

            if (eligible == 0)
            {
                continue;
            }

            TargetChoice? chosen = null;
            if (loadBalance)
            {
                // RFC 2782: uniform in [0, sum]; first choice whose running sum reaches it.
                int r = Random.Shared.Next(total + 1);
                int running = 0;
                foreach (var c in g.Choices)
                {
                    if (!HasUnblocked(c, blocklist))
                    {
                        continue;
                    }

                    running += c.Weight;
                    if (running >= r)
                    {
                        chosen = c;
                        break;
                    }
                }
            }
            else
            {
                foreach (var c in g.Choices)
                {
                    if (HasUnblocked(c, blocklist) && (chosen is null || c.Weight > chosen.Weight))
                    {
                        chosen = c;
                    }
                }
            }

            foreach (var a in chosen!.Addresses)
            {
                if (blocklist is null || !blocklist.IsBlocked(a.Protocol, a.EndPoint))
                {
                    target = a;
                    return true;
                }
            }
        }

        target = default;
        return false;
    }

    private static bool HasUnblocked(TargetChoice c, DestinationBlocklist? blocklist)
    {
        if (blocklist is null)
        {
            return c.Addresses.Length > 0;
        }

        foreach (var a in c.Addresses)
        {
            if (!blocklist.IsBlocked(a.Protocol, a.EndPoint))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>How a branch to a target failed, for <see cref="SipTargetIterator.TryFailover"/>.</summary>
public enum TargetFailure : byte
{
    /// <summary>The send or connect failed.</summary>
    SendFailure,

    /// <summary>No reply before the transaction timer fired (RFC 3263 §4.3: treat like a failure to contact).</summary>
    Timeout,

    /// <summary>A 503 reply (RFC 3263 §4.3).</summary>
    Reply503,
}

/// <summary>
/// A walk over one destination's targets in failover order, for one transaction branch. Each SRV
/// priority group is ordered by RFC 2782 weighted random selection when the walk reaches it.
/// Not thread-safe: a branch owns its iterator.
/// </summary>
public sealed class SipTargetIterator
{
    private readonly SipTargetSet _set;
    private readonly DestinationBlocklist? _blocklist;
    private readonly bool _loadBalance;
    private readonly bool _failover;
    private int _group = -1;
    private TargetChoice[] _order = [];
    private int _choice;
    private int _address;
    private HashSet<SipTarget>? _seen;
    private bool _started;

    internal SipTargetIterator(SipTargetSet set, DestinationBlocklist? blocklist, bool loadBalance, bool failover)
    {
        _set = set;
        _blocklist = blocklist;
        _loadBalance = loadBalance;
        _failover = failover;
    }

    /// <summary>The target last returned by <see cref="TryNext"/>.</summary>
    public SipTarget Current { get; private set; }

    /// <summary>The next target in failover order that is not blocked; false when there is none left.</summary>
    public bool TryNext(out SipTarget target)
    {
        while (true)
        {
            if (_choice < _order.Length)
            {
                var addrs = _order[_choice].Addresses;
                if (_address < addrs.Length)
                {
                    var t = addrs[_address++];
                    _seen ??= [];
                    if (!_seen.Add(t) || (_blocklist is not null && _blocklist.IsBlocked(t.Protocol, t.EndPoint)))
                    {
                        continue;
                    }

                    Current = t;
                    target = t;
                    _started = true;
                    return true;
                }

                _choice++;
                _address = 0;
                continue;
            }

            if (++_group >= _set.Groups.Length)
            {
                target = default;
                return false;
            }

            _order = Order(_set.Groups[_group]);
            _choice = 0;
            _address = 0;
        }
    }

    /// <summary>
    /// Reports that the branch to <see cref="Current"/> failed: blocklists it (send failure and timeout
    /// always, 503 under <c>blst_503</c> with <paramref name="retryAfterSeconds"/>, negative for none), then
    /// yields the next target when DNS failover is on (<c>use_dns_failover</c>).
    /// </summary>
    public bool TryFailover(TargetFailure failure, int retryAfterSeconds, out SipTarget next)
    {
        if (_started && _blocklist is not null)
        {
            var c = Current;
            _ = failure switch
            {
                TargetFailure.Reply503 => _blocklist.Add503(c.Protocol, c.EndPoint, retryAfterSeconds),
                TargetFailure.Timeout => _blocklist.Add(c.Protocol, c.EndPoint, BlocklistReason.Timeout),
                _ => _blocklist.Add(c.Protocol, c.EndPoint, BlocklistReason.SendFailure),
            };
        }

        if (!_failover)
        {
            next = default;
            return false;
        }

        return TryNext(out next);
    }

    private TargetChoice[] Order(TargetGroup g)
    {
        var pending = new List<TargetChoice>(g.Choices); // zero weights already first
        if (!_loadBalance)
        {
            return [.. pending.OrderByDescending(c => c.Weight)];
        }

        var result = new TargetChoice[pending.Count];
        int total = g.TotalWeight;
        for (int i = 0; i < result.Length; i++)
        {
            // RFC 2782: uniform in [0, sum of remaining weights]; first whose running sum reaches it.
            int r = Random.Shared.Next(total + 1);
            int running = 0;
            int pick = pending.Count - 1;
            for (int j = 0; j < pending.Count; j++)
            {
                running += pending[j].Weight;
                if (running >= r)
                {
                    pick = j;
                    break;
                }
            }

            result[i] = pending[pick];
            total -= pending[pick].Weight;
            pending.RemoveAt(pick);
        }

        return result;
    }
}
