using System.Net;

namespace Osprey.Core.Dns;

/// <summary>One SRV record as cached (RFC 2782).</summary>
public readonly record struct SrvData(ushort Priority, ushort Weight, ushort Port, string Target);

/// <summary>One NAPTR record as cached (RFC 3403); the SIP resolver uses only "s" records (RFC 3263 §4.1).</summary>
public readonly record struct NaptrData(ushort Order, ushort Preference, string Flags, string Services, string Replacement);

/// <summary>
/// The cached answer for one name and type: records with an expiry, or a negative/failed answer.
/// Immutable once published, so readers need no lock.
/// </summary>
public sealed class DnsCacheEntry
{
    internal DnsCacheEntry(string name, DnsRecordType type, DnsStatus status, long expiresAt, string? error = null)
    {
        Name = name;
        Type = type;
        Status = status;
        ExpiresAt = expiresAt;
        Error = error;
    }

    public string Name { get; }

    public DnsRecordType Type { get; }

    /// <summary><see cref="DnsStatus.Ok"/> with at least one record, or why there is none.</summary>
    public DnsStatus Status { get; }

    /// <summary>Expiry on the <see cref="Environment.TickCount64"/> clock (milliseconds).</summary>
    public long ExpiresAt { get; }

    /// <summary>A message a user can act on when <see cref="Status"/> is a failure.</summary>
    public string? Error { get; }

    public IPAddress[] Addresses { get; internal init; } = [];

    public SrvData[] Srv { get; internal init; } = [];

    public NaptrData[] Naptr { get; internal init; } = [];

    internal bool IsFresh(long now) => now < ExpiresAt;

    /// <summary>The records in presentation form, for <c>dns.view</c>-style RPC output.</summary>
    public IReadOnlyList<string> DescribeRecords()
    {
        return Type switch
        {
            DnsRecordType.A or DnsRecordType.Aaaa => [.. Addresses.Select(a => a.ToString())],
            DnsRecordType.Srv => [.. Srv.Select(s => $"{s.Priority} {s.Weight} {s.Port} {s.Target}")],
            DnsRecordType.Naptr => [.. Naptr.Select(n => $"{n.Order} {n.Preference} \"{n.Flags}\" \"{n.Services}\" {n.Replacement}")],
            _ => [],
        };
    }
}

/// <summary>A snapshot of one cache entry for RPC listing.</summary>
public sealed record DnsCacheEntryView(string Name, DnsRecordType Type, DnsStatus Status, int SecondsLeft, IReadOnlyList<string> Records, string? Error);
