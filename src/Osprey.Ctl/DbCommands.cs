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

    public static void Add(RootCommand root, TextWriter output, TextWriter error)
    {
        var dbUrl = new Option<string?>("--db-url") { Description = "database URL (default: $OSPREY_DB_URL, else the SQLite file the embedded configuration uses: /var/lib/osprey/osprey.db when writable, else ~/.local/share/osprey/osprey.db)", Recursive = true };
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
        var addUser = new Argument<string?>("user") { Description = "user@domain (the domain may also come from --domain or $SIP_DOMAIN)", Arity = ArgumentArity.ZeroOrOne };
        var addPassword = new Argument<string?>("password") { Description = "the user's password", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<string?>("--from") { Description = "add many: a file (- for standard input) with one 'user[@domain] password' per line" };
        var add = new Command("add", "add a subscriber (digest credentials: password, ha1, ha1b), or many with --from") { addUser, addPassword, domain, from, dbUrl };
        add.SetAction(p =>
        {
            if (p.GetValue(from) is { } file) return AddMany(file, p.GetValue(domain), p.GetValue(dbUrl), output, error);
            if (p.GetValue(addUser) is not { } u0 || p.GetValue(addPassword) is not { } pw)
            {
                error.WriteLine("ospreyctl: add needs user@domain and password (or --from FILE)");
                return 2;
            }
            return WithUser(u0, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
            {
                if (d.Select(KamailioSchema.Subscriber.Name, ["username"], Where(u, dom)).Count > 0)
                {
                    error.WriteLine("ospreyctl: " + Named(u, dom) + " already exists (use passwd)");
                    return 1;
                }
                d.Insert(KamailioSchema.Subscriber.Name, Credentials(u, dom, pw, withKeys: true));
                output.WriteLine("added " + Named(u, dom) + (dom.Length == 0 ? " (no domain: for configurations with use_domain 0, as the embedded default)" : ""));
                return 0;
            }, create: true, domainOptional: true);
        });
        root.Subcommands.Add(add);

        var passwd = new Command("passwd", "change a subscriber's password") { user, password, domain, dbUrl };
        passwd.SetAction(p => WithUser(p.GetValue(user)!, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
        {
            int n = d.Update(KamailioSchema.Subscriber.Name, Where(u, dom), Credentials(u, dom, p.GetValue(password)!, withKeys: false));
            if (n == 0) { error.WriteLine("ospreyctl: no subscriber " + Named(u, dom)); return 1; }
            output.WriteLine("password changed for " + Named(u, dom));
            return 0;
        }, domainOptional: true));
        root.Subcommands.Add(passwd);

        var rm = new Command("rm", "remove a subscriber") { user, domain, dbUrl };
        rm.SetAction(p => WithUser(p.GetValue(user)!, p.GetValue(domain), p.GetValue(dbUrl), error, (d, u, dom) =>
        {
            int n = d.Delete(KamailioSchema.Subscriber.Name, Where(u, dom));
            if (n == 0) { error.WriteLine("ospreyctl: no subscriber " + Named(u, dom)); return 1; }
            output.WriteLine("removed " + Named(u, dom));
            return 0;
        }, domainOptional: true));
        root.Subcommands.Add(rm);

        AddAddressAndDomain(root, dbUrl, output, error);
    }

    // ospreyctl add --from FILE: every line or none (one transaction); an existing user stops it
    private static int AddMany(string file, string? domainOpt, string? url, TextWriter output, TextWriter error)
    {
        string[] lines;
        try
        {
            lines = file == "-" ? Console.In.ReadToEnd().Split('\n') : File.ReadAllLines(file);
        }
        catch (IOException ex)
        {
            error.WriteLine("ospreyctl: --from " + file + ": " + ex.Message);
            return 2;
        }
        var users = new List<(string User, string Domain, string Password)>();
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || (!SplitUser(parts[0], domainOpt, out var u, out var dom) && u.Length == 0))
            {
                error.WriteLine("ospreyctl: " + file + ":" + (i + 1) + ": expected 'user[@domain] password'");
                return 2;
            }
            users.Add((u, dom, parts[1]));
        }
        return WithDb(url, error, d =>
        {
            foreach (var (u, dom, _) in users)
            {
                if (d.Select(KamailioSchema.Subscriber.Name, ["username"], Where(u, dom)).Count > 0)
                {
                    error.WriteLine("ospreyctl: " + Named(u, dom) + " already exists (use passwd); nothing added");
                    return 1;
                }
            }
            d.InTransaction(tx =>
            {
                foreach (var (u, dom, pw) in users) tx.Insert(KamailioSchema.Subscriber.Name, Credentials(u, dom, pw, withKeys: true));
            });
            output.WriteLine("added " + users.Count + " subscriber(s)");
            return 0;
        }, createSqlite: true);
    }

    /// <summary>ospreyctl address add|rm|show (what <c>kamctl address</c> does): the permissions module's
    /// <c>address</c> table. A running server reads it at start; <c>ospreyctl rpc permissions.addressReload</c> reloads it.</summary>
    public static void AddAddressAndDomain(RootCommand root, Option<string?> dbUrl, TextWriter output, TextWriter error)
    {
        var address = new Command("address", "the permissions address table (allow_source_address): add, rm, show");
        var grp = new Argument<int>("group") { Description = "address group (allow_source_address() checks group 1)" };
        var ip = new Argument<string>("ip") { Description = "IP address, or network as address/prefix" };
        var mask = new Argument<int?>("mask") { Description = "prefix length (default 32 for IPv4, 128 for IPv6)", Arity = ArgumentArity.ZeroOrOne };
        var port = new Argument<int?>("port") { Description = "source port (0 or omitted: any)", Arity = ArgumentArity.ZeroOrOne };
        var tag = new Argument<string?>("tag") { Description = "tag value (set in peer_tag_avp on a match)", Arity = ArgumentArity.ZeroOrOne };
        var aAdd = new Command("add", "add an address or network to a group") { grp, ip, mask, port, tag };
        aAdd.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            var text = p.GetValue(ip)!;
            int? m = p.GetValue(mask);
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                if (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pm))
                {
                    error.WriteLine("ospreyctl: " + text + ": the prefix after / is not a number");
                    return 2;
                }
                m ??= pm;
                text = text[..slash];
            }
            if (!System.Net.IPAddress.TryParse(text, out var addr))
            {
                error.WriteLine("ospreyctl: " + text + " is not an IP address");
                return 2;
            }
            int max = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
            int prefix = m ?? max;
            if (prefix < 0 || prefix > max)
            {
                error.WriteLine("ospreyctl: mask must be between 0 and " + max);
                return 2;
            }
            d.Insert(KamailioSchema.Address.Name, [new DbField("grp", p.GetValue(grp)), new DbField("ip_addr", addr.ToString()), new DbField("mask", prefix),
                new DbField("port", p.GetValue(port) ?? 0), new DbField("tag", p.GetValue(tag))]);
            output.WriteLine("added " + addr + "/" + prefix + " to group " + p.GetValue(grp) + " (running servers: ospreyctl rpc permissions.addressReload)");
            return 0;
        }, createSqlite: true));
        address.Subcommands.Add(aAdd);
        var aRm = new Command("rm", "remove an address from a group") { grp, ip };
        aRm.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            int n = d.Delete(KamailioSchema.Address.Name, [DbCondition.Eq("grp", p.GetValue(grp)), DbCondition.Eq("ip_addr", p.GetValue(ip))]);
            if (n == 0) { error.WriteLine("ospreyctl: no address " + p.GetValue(ip) + " in group " + p.GetValue(grp)); return 1; }
            output.WriteLine("removed " + n + " row(s)");
            return 0;
        }));
        address.Subcommands.Add(aRm);
        var aShow = new Command("show", "list the address table");
        aShow.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            foreach (var r in d.Select(KamailioSchema.Address.Name, ["grp", "ip_addr", "mask", "port", "tag"], orderBy: "id"))
            {
                output.WriteLine(r.GetInt64(0) + "\t" + r.GetString(1) + "/" + r.GetInt64(2) + "\tport " + r.GetInt64(3) + "\t" + (r.GetString(4) ?? ""));
            }
            return 0;
        }));
        address.Subcommands.Add(aShow);
        address.Options.Add(dbUrl);
        root.Subcommands.Add(address);

        var domainCmd = new Command("domain", "the domain table (multi-domain: is_from_local, register_myself): add, rm, show");
        var name = new Argument<string>("domain") { Description = "a SIP domain this server is responsible for" };
        var dAdd = new Command("add", "add a local domain") { name };
        dAdd.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            var dom = p.GetValue(name)!.ToLowerInvariant();
            if (d.Select(KamailioSchema.Domain.Name, ["domain"], [DbCondition.Eq("domain", dom)]).Count > 0)
            {
                error.WriteLine("ospreyctl: domain " + dom + " already exists");
                return 1;
            }
            d.Insert(KamailioSchema.Domain.Name, [new DbField("domain", dom), new DbField("did", dom), new DbField("last_modified", DateTime.UtcNow)]);
            output.WriteLine("added domain " + dom + " (running servers: ospreyctl rpc domain.reload)");
            return 0;
        }, createSqlite: true));
        domainCmd.Subcommands.Add(dAdd);
        var dRm = new Command("rm", "remove a local domain") { name };
        dRm.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            int n = d.Delete(KamailioSchema.Domain.Name, [DbCondition.Eq("domain", p.GetValue(name)!.ToLowerInvariant())]);
            if (n == 0) { error.WriteLine("ospreyctl: no domain " + p.GetValue(name)); return 1; }
            output.WriteLine("removed domain " + p.GetValue(name));
            return 0;
        }));
        domainCmd.Subcommands.Add(dRm);
        var dShow = new Command("show", "list the local domains");
        dShow.SetAction(p => WithDb(p.GetValue(dbUrl), error, d =>
        {
            foreach (var r in d.Select(KamailioSchema.Domain.Name, ["domain", "did"], orderBy: "domain")) output.WriteLine(r.GetString(0) + "\t" + (r.GetString(1) ?? ""));
            return 0;
        }));
        domainCmd.Subcommands.Add(dShow);
        domainCmd.Options.Add(dbUrl);
        root.Subcommands.Add(domainCmd);
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

    /// <param name="domainOptional">add: a user without a domain gets an empty one (matched by
    /// configurations with auth_db use_domain 0, such as the embedded default).</param>
    private static int WithUser(string userArg, string? domainOpt, string? url, TextWriter error, Func<Database, string, string, int> action,
        bool create = false, bool domainOptional = false)
    {
        if (!SplitUser(userArg, domainOpt, out var user, out var domain) && !(domainOptional && user.Length > 0))
        {
            error.WriteLine("ospreyctl: give the user as user@domain, or --domain, or set SIP_DOMAIN");
            return 2;
        }
        return WithDb(url, error, d => action(d, user, domain), create);
    }

    private static string Named(string user, string domain) => domain.Length == 0 ? user : user + "@" + domain;

    private static bool SplitUser(string userArg, string? domainOpt, out string user, out string domain)
    {
        int at = userArg.IndexOf('@', StringComparison.Ordinal);
        user = at < 0 ? userArg : userArg[..at];
        domain = (at < 0 ? domainOpt ?? Environment.GetEnvironmentVariable("SIP_DOMAIN") : userArg[(at + 1)..]) ?? "";
        return user.Length > 0 && domain.Length > 0;
    }

    /// <param name="createSqlite">First use of a SQLite file (a newcomer's <c>ospreyctl add alice secret</c>
    /// before the server ever ran): create the file and its schema, as the server does.</param>
    private static int WithDb(string? url, TextWriter error, Func<Database, int> action, bool createSqlite = false)
    {
        url ??= DbUrl.DefaultUrl();
        if (!DbUrl.TryParse(url, out var parsed, out var why))
        {
            error.WriteLine("ospreyctl: --db-url " + url + ": " + why);
            return 2;
        }
        if (createSqlite)
        {
            try
            {
                var created = SchemaCreator.CreateIfNewSqlite(parsed);
                if (created.Count > 0) error.WriteLine("ospreyctl: created the database " + parsed.Display + " (" + created.Count + " tables)");
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine("ospreyctl: cannot create " + parsed.Display + ": " + ex.Message);
                return 1;
            }
        }
        var d = Database.Open(parsed);
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
