using System.Data.Common;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Data;
using Osprey.Modules.Registrar;
using Osprey.Sip.Uri;

namespace Osprey.Modules.AliasDb;

/// <summary>
/// alias_db: rewrites the Request-URI from the <c>dbaliases</c> table (alias → user, or with flag 'r'
/// user → alias). Queries the database per call, as Kamailio does.
/// </summary>
[Module("alias_db")]
public sealed class AliasDbModule : ModuleBase, IDisposable
{
    private Database? _db;

    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("user_column")] public string UserColumn { get; set; } = "username";
    [ModParam("domain_column")] public string DomainColumn { get; set; } = "domain";
    [ModParam("alias_user_column")] public string AliasUserColumn { get; set; } = "alias_username";
    [ModParam("alias_domain_column")] public string AliasDomainColumn { get; set; } = "alias_domain";
    [ModParam("use_domain")] public int UseDomain { get; set; }
    [ModParam("domain_prefix")] public string DomainPrefix { get; set; } = "";
    [ModParam("append_branches")] public int AppendBranches { get; set; }

    public override string? Init()
    {
        if (!Database.TryOpen(DbUrl, out var db, out var err)) return "alias_db: " + err;
        _db = db;
        return null;
    }

    /// <summary>alias_db_lookup(table[, flags]): 1 when the Request-URI was an alias and was replaced, -1 otherwise.
    /// Flags: d no domain in the query, u domain in the query, r reverse (user → alias).</summary>
    [Function("alias_db_lookup", RouteTypes.Request | RouteTypes.Failure)]
    public int Lookup(MessageContext ctx, string table) => Lookup(ctx, table, "");

    [Function("alias_db_lookup", RouteTypes.Request | RouteTypes.Failure)]
    public int Lookup(MessageContext ctx, string table, string flags)
    {
        var ruri = ctx.NewRequestUri ?? Encoding.UTF8.GetString(ctx.Message.RequestUriText);
        var found = Find(table, ruri, flags);
        if (found is null || found.Count == 0) return -1;
        ctx.NewRequestUri = found[0];
        if (AppendBranches != 0)
        {
            for (int i = 1; i < found.Count; i++) ctx.Branches.Add(new Destination { Uri = found[i], Q = -1 });
        }
        return 1;
    }

    /// <summary>alias_db_find(table, input, output[, flags]) without the output variable: the URI the input maps to, or null.</summary>
    public List<string>? Find(string table, string uriText, string flags)
    {
        if (!SipUri.TryParse(uriText, out var uri) || !uri.IsValid) return null;
        bool reverse = flags.Contains('r', StringComparison.Ordinal);
        bool useDomain = flags.Contains('u', StringComparison.Ordinal) || (UseDomain != 0 && !flags.Contains('d', StringComparison.Ordinal));
        string user = uri.UserString;
        string host = uri.HostString.ToLowerInvariant();
        if (DomainPrefix.Length > 0 && host.StartsWith(DomainPrefix, StringComparison.OrdinalIgnoreCase)) host = host[DomainPrefix.Length..];
        string keyUser = reverse ? UserColumn : AliasUserColumn;
        string keyDomain = reverse ? DomainColumn : AliasDomainColumn;
        string outUser = reverse ? AliasUserColumn : UserColumn;
        string outDomain = reverse ? AliasDomainColumn : DomainColumn;
        List<DbRow> rows;
        try
        {
            rows = _db!.Select(table, [outUser, outDomain],
                useDomain ? [DbCondition.Eq(keyUser, user), DbCondition.Eq(keyDomain, host)] : [DbCondition.Eq(keyUser, user)]);
        }
        catch (DbException ex)
        {
            Osprey.Core.Logging.Logger.Process.Error("alias_db", "database error on " + _db!.Url.Display + ": " + ex.Message);
            return null;
        }
        var list = new List<string>(rows.Count);
        string scheme = uri.Scheme == UriScheme.Sips ? "sips:" : "sip:";
        foreach (var r in rows) list.Add(scheme + r.GetString(0) + "@" + r.GetString(1));
        return list;
    }

    public void Dispose()
    {
        _db?.Dispose();
        _db = null;
    }
}
