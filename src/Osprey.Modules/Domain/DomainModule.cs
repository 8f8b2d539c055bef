using System.Collections.Frozen;
using System.Data.Common;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Data;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Domain;

/// <summary>
/// domain: the set of local domains from the <c>domain</c> table, held in memory as an immutable
/// snapshot swapped on <c>domain.reload</c> (lookups take no lock and do no I/O).
/// </summary>
[Module("domain")]
public sealed class DomainModule : ModuleBase, IDisposable
{
    private Database? _db;
    private FrozenDictionary<string, string?> _domains = FrozenDictionary<string, string?>.Empty;

    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("domain_table")] public string DomainTable { get; set; } = "domain";
    [ModParam("domain_col")] public string DomainColumn { get; set; } = "domain";
    [ModParam("did_col")] public string DidColumn { get; set; } = "did";
    /// <summary>1: the table's domains count as "myself" (uri==myself, from_uri==myself) in the script.</summary>
    [ModParam("register_myself")] public int RegisterMyself { get; set; }

    public int Count => _domains.Count;

    public override string? Init()
    {
        if (!Database.TryOpen(DbUrl, out var db, out var err)) return "domain: " + err;
        _db = db;
        var v = db.CheckTableVersion(DomainTable, Data.Schema.KamailioSchema.Domain.Version);
        if (v is not null) return "domain: " + v;
        var r = Reload();
        if (!r.IsOk) return "domain: " + r.Message;
        if (RegisterMyself != 0) Server.AddMyselfCheck((host, _) => IsLocal(host));
        return null;
    }

    /// <summary>domain.reload: reads the table again; on error the old set stays.</summary>
    [Rpc("domain.reload", "Reload the domain table")]
    public Usrloc.RpcStatus Reload()
    {
        try
        {
            var rows = _db!.Select(DomainTable, [DomainColumn, DidColumn]);
            var d = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var r in rows)
            {
                var name = r.GetString(0);
                if (!string.IsNullOrEmpty(name)) d[name.ToLowerInvariant()] = r.GetString(1);
            }
            Volatile.Write(ref _domains, d.ToFrozenDictionary(StringComparer.Ordinal));
            return Usrloc.RpcStatus.Ok;
        }
        catch (DbException ex)
        {
            return Usrloc.RpcStatus.Internal("cannot read " + DomainTable + " from " + _db!.Url.Display + ": " + ex.Message);
        }
    }

    /// <summary>domain.dump: the local domains and their did.</summary>
    [Rpc("domain.dump", "List the local domains")]
    public IReadOnlyDictionary<string, string?> Dump() => Volatile.Read(ref _domains);

    /// <summary>True when the host (case-insensitive) is a local domain.</summary>
    public bool IsLocal(ReadOnlySpan<char> host)
    {
        Span<char> lower = stackalloc char[Math.Min(host.Length, 256)];
        if (host.Length > 256) return false;
        host.ToLowerInvariant(lower);
        return Volatile.Read(ref _domains).GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(lower);
    }

    private bool IsLocal(ReadOnlySpan<byte> hostUtf8)
    {
        Span<char> chars = stackalloc char[Math.Min(hostUtf8.Length, 256)];
        if (hostUtf8.Length > 256) return false;
        int n = Encoding.UTF8.GetChars(hostUtf8, chars);
        return IsLocal(chars[..n]);
    }

    /// <summary>is_from_local(): 1 when the From URI's host is local.</summary>
    [Function("is_from_local", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int IsFromLocal(MessageContext ctx) => ctx.Message.From.IsValid && IsLocal(ctx.Message.From.Uri.Host) ? 1 : -1;

    /// <summary>is_uri_host_local(): 1 when the (possibly rewritten) Request-URI's host is local.</summary>
    [Function("is_uri_host_local", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int IsUriHostLocal(MessageContext ctx)
    {
        if (ctx.NewRequestUri is null) return IsLocal(ctx.Message.RequestUri.Host) ? 1 : -1;
        return SipUri.TryParse(ctx.NewRequestUri, out var u) && IsLocal(u.Host) ? 1 : -1;
    }

    /// <summary>is_domain_local(domain): 1 when the given domain (a PV's value) is local.</summary>
    [Function("is_domain_local", RouteTypes.Any)]
    public int IsDomainLocal(MessageContext ctx, string domain) => IsLocal(domain.AsSpan()) ? 1 : -1;

    public void Dispose()
    {
        _db?.Dispose();
        _db = null;
    }
}
