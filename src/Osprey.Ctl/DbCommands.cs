using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Osprey.Data;
using Osprey.Data.Schema;

namespace Osprey.Ctl;

/// <summary>
/// Commands that work on the database directly, not through a running server (what <c>kamdbctl</c>
/// and <c>kamctl add/passwd/rm</c> do): <c>db create|drop|migrate</c> and subscriber administration.
/// The database is named by <c>--db-url</c> (or <c>$OSPREY_DB_URL</c>), e.g.
/// <c>sqlite:///var/lib/osprey/osprey.db</c>, <c>postgres://user:pw@host/db</c>, <c>mysql://user:pw@host/db</c>.
/// </summary>
internal static class DbCommands
{
    public const string DefaultDbUrl = "sqlite:///var/lib/osprey/osprey.db";

    public static void Add(RootCommand root, TextWriter output, TextWriter error)
    {
        var dbUrl = new Option<string?>("--db-url") { Description = "database URL (default $OSPREY_DB_URL or " + DefaultDbUrl + ")", Recursive = true };
        var db = new Command("db", "create, drop or migrate Kamailio's schema (tables and their versions)");
        db.Options.Add(dbUrl);
        foreach (var (name, help) in new[] { ("create", "create every table Osprey's modules use"), ("drop", "drop those tables"), ("migrate", "create missing tables, report version differences") })
        {
            var c = new Command(name, help);
            c.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
            {
                var creator = new SchemaCreator(d);
                IReadOnlyList<string> done = name switch
                {
                    "create" => creator.Create(),
                    "migrate" => creator.Migrate(),
                    _ => Dropped(creator),
                };
                foreach (var line in done) output.WriteLine(line);
                output.WriteLine(name + ": done on " + d.Url.Display);
                return 0;
            }));
            db.Subcommands.Add(c);
        }
        root.Subcommands.Add(db);

        var user = new Argument<string>("user") { Description = "user@domain (the domain may also come from --domain or $SIP_DOMAIN)" };
        var password = new Argument<string>("password") { Description = "the user's password" };
        var domain = new Option<string?>("--domain") { Description = "SIP domain (realm) of the user" };
        var add = new Command("add", "add a subscriber (digest credentials: password, ha1, ha1b)") { user, password, domain, dbUrl };
        add.SetAction(p => WithUser(p.GetValue(user)!, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
        {
            if (d.Select(KamailioSchema.Subscriber.Name, ["username"], Where(u, dom)).Count > 0)
            {
                error.WriteLine("ospreyctl: " + u + "@" + dom + " already exists (use passwd)");
                return 1;
            }
            d.Insert(KamailioSchema.Subscriber.Name, Credentials(u, dom, p.GetValue(password)!, withKeys: true));
            output.WriteLine("added " + u + "@" + dom);
            return 0;
        }));
        root.Subcommands.Add(add);

        var passwd = new Command("passwd", "change a subscriber's password") { user, password, domain, dbUrl };
        passwd.SetAction(p => WithUser(p.GetValue(user)!, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
        {
            int n = d.Update(KamailioSchema.Subscriber.Name, Where(u, dom), Credentials(u, dom, p.GetValue(password)!, withKeys: false));
            if (n == 0) { error.WriteLine("ospreyctl: no subscriber " + u + "@" + dom); return 1; }
            output.WriteLine("password changed for " + u + "@" + dom);
            return 0;
        }));
        root.Subcommands.Add(passwd);

        var rm = new Command("rm", "remove a subscriber") { user, domain, dbUrl };
        rm.SetAction(p => WithUser(p.GetValue(user)!, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
        {
            int n = d.Delete(KamailioSchema.Subscriber.Name, Where(u, dom));
            if (n == 0) { error.WriteLine("ospreyctl: no subscriber " + u + "@" + dom); return 1; }
            output.WriteLine("removed " + u + "@" + dom);
            return 0;
        }));
        root.Subcommands.Add(rm);
    }

    private static List<string> Dropped(SchemaCreator creator)
    {
        creator.Drop();
        return [];
    }

    private static DbCondition[] Where(string user, string domain) => [DbCondition.Eq("username", user), DbCondition.Eq("domain", domain)];

    // RFC 2617 §3.2.2.2: HA1 = MD5(username:realm:password); ha1b uses user@domain as the username,
    // as Kamailio's auth_db does for clients that send the domain in the username.
    private static DbField[] Credentials(string user, string domain, string password, bool withKeys)
    {
        var fields = new List<DbField>();
        if (withKeys)
        {
            fields.Add(new DbField("username", user));
            fields.Add(new DbField("domain", domain));
        }
        fields.Add(new DbField("password", password));
        fields.Add(new DbField("ha1", Md5Hex(user + ":" + domain + ":" + password)));
        fields.Add(new DbField("ha1b", Md5Hex(user + "@" + domain + ":" + domain + ":" + password)));
        return [.. fields];
    }

#pragma warning disable CA5351 // RFC 2617 digest credentials are defined on MD5; this is what clients use
    private static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
#pragma warning restore CA5351

    private static int WithUser(string userArg, string? domainOpt, string? url, TextWriter error, Func<Database, string, string, int> action)
    {
        int at = userArg.IndexOf('@', StringComparison.Ordinal);
        string user = at < 0 ? userArg : userArg[..at];
        string? domain = at < 0 ? domainOpt ?? Environment.GetEnvironmentVariable("SIP_DOMAIN") : userArg[(at + 1)..];
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(domain))
        {
            error.WriteLine("ospreyctl: give the user as user@domain, or --domain, or set SIP_DOMAIN");
            return 2;
        }
        return WithDb(url, error, d => action(d, user, domain));
    }

    private static int WithDb(string? url, TextWriter error, Func<Database, int> action)
    {
        url ??= Environment.GetEnvironmentVariable("OSPREY_DB_URL") ?? DefaultDbUrl;
        if (!Database.TryOpen(url, out var d, out var why))
        {
            error.WriteLine("ospreyctl: --db-url " + url + ": " + why);
            return 2;
        }
        using var owned = d;
        try
        {
            return action(d);
        }
        catch (System.Data.Common.DbException ex)
        {
            error.WriteLine("ospreyctl: " + d.Url.Display + ": " + ex.Message);
            return 1;
        }
    }
}
