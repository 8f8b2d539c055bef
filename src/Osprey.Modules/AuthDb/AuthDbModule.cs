using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Data;
using Osprey.Modules.Auth;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Modules.AuthDb;

/// <summary>
/// auth_db: digest verification with credentials from the <c>subscriber</c> table (Kamailio's columns):
/// plain passwords (calculate_ha1=1, password_column "password") or stored HA1 (ha1, and ha1b for
/// usernames that carry "@domain"). The lookup is a prepared query per table (<see cref="DbQuery"/>),
/// run afresh for every request, so a changed password counts from the next request on.
/// </summary>
[Module("auth_db")]
public sealed class AuthDbModule : ModuleBase, IDisposable
{
    private Database? _db;
    private readonly ConcurrentDictionary<string, SubscriberTable> _tables = new(StringComparer.Ordinal);
    private string[] _load = [];

    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("user_column")] public string UserColumn { get; set; } = "username";
    [ModParam("domain_column")] public string DomainColumn { get; set; } = "domain";
    [ModParam("password_column")] public string PasswordColumn { get; set; } = "ha1";
    [ModParam("password_column_2")] public string PasswordColumn2 { get; set; } = "ha1b";
    [ModParam("calculate_ha1")] public int CalculateHa1 { get; set; }
    [ModParam("use_domain")] public int UseDomain { get; set; }

    /// <summary>Columns to fetch with the credentials, ';'-separated (readable with <see cref="LoadedCredential"/>).</summary>
    [ModParam("load_credentials")] public string LoadCredentials { get; set; } = "";

    /// <summary>The auth module whose nonces and verification this uses; the host sets it.</summary>
    public AuthModule? Auth { get; set; }

    public override string? Init()
    {
        if (Auth is null) return "auth_db: needs the auth module (loadmodule \"auth.so\")";
        if (!Database.TryOpen(DbUrl, out var db, out var err)) return "auth_db: " + err;
        _db = db;
        var cols = new List<string>();
        foreach (var c in LoadCredentials.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = c.IndexOf('=');
            cols.Add(eq >= 0 ? c[(eq + 1)..].Trim() : c);
        }
        _load = [.. cols];
        return null;
    }

    /// <summary>Checks the table version (subscriber is 7) when the script binds a table name.</summary>
    public string? BindTable(string table)
    {
        var v = _db!.CheckTableVersion(table, Data.Schema.KamailioSchema.Subscriber.Version);
        return v is null ? null : "auth_db: " + v;
    }

    private SubscriberTable Table(string name) => _tables.GetOrAdd(name, static (n, self) => new SubscriberTable(self, n), this);

    /// <summary>www_authorize(realm, table) / www_authenticate: checks the Authorization credentials.
    /// 1 ok; -1 error, -2 wrong password, -3 unknown user, -4 stale nonce, -5 no credentials, -6 nonce reused.</summary>
    [Function("www_authorize", RouteTypes.Request)]
    [Function("www_authenticate", RouteTypes.Request)]
    public int WwwAuthorize(MessageContext ctx, string realm, string table) => Auth!.Verify(ctx, realm, false, Table(table).For(ctx));

    [Function("www_authenticate", RouteTypes.Request)]
    public int WwwAuthorize(MessageContext ctx, string realm, string table, string method) => Auth!.Verify(ctx, realm, false, Table(table).For(ctx), method);

    /// <summary>proxy_authorize(realm, table) / proxy_authenticate: checks the Proxy-Authorization credentials.</summary>
    [Function("proxy_authorize", RouteTypes.Request)]
    [Function("proxy_authenticate", RouteTypes.Request)]
    public int ProxyAuthorize(MessageContext ctx, string realm, string table) => Auth!.Verify(ctx, realm, true, Table(table).For(ctx));

    /// <summary>auth_check(realm, table, flags): www for REGISTER, proxy otherwise; flags 1 checks the
    /// authentication user against From (and To for REGISTER, R-URI for PUBLISH) and their domains against
    /// the realm; flags 2 skips that check for INVITE, BYE, PRACK, UPDATE, MESSAGE. -8 on mismatch.</summary>
    [Function("auth_check", RouteTypes.Request)]
    public int AuthCheck(MessageContext ctx, string realm, string table, string flags)
    {
        var msg = ctx.Message;
        bool register = msg.Method == SipMethod.Register;
        int r = Auth!.Verify(ctx, realm, !register, Table(table).For(ctx));
        if (r < 0) return r;
        int f = AuthModule.ParseInt(flags);
        if ((f & 1) == 0) return r;
        if ((f & 2) != 0 && msg.Method is SipMethod.Invite or SipMethod.Bye or SipMethod.Prack or SipMethod.Update or SipMethod.Message) return r;
        // compared as bytes: this runs for every authenticated request, and strings would be garbage
        var user = AuthModule.AuthUser(ctx);
        Span<byte> realmBuf = stackalloc byte[256];
        ReadOnlySpan<byte> realmBytes = realm.Length == 0 ? (register ? msg.To : msg.From).Uri.Host
            : Osprey.Sip.Text.SipChars.Utf8(realm, realmBuf);
        if (!SameUser(msg.From.Uri, user, realmBytes)) return AuthCodes.AuthUserMismatch;
        if (register && !SameUser(msg.To.Uri, user, realmBytes)) return AuthCodes.AuthUserMismatch;
        if (msg.Method == SipMethod.Publish && !SameUser(msg.RequestUri, user, realmBytes)) return AuthCodes.AuthUserMismatch;
        return r;
    }

    private static bool SameUser(in SipUri uri, ReadOnlySpan<byte> user, ReadOnlySpan<byte> realm)
        => uri.IsValid && uri.User.SequenceEqual(user) && System.Text.Ascii.EqualsIgnoreCase(uri.Host, realm);

    /// <summary>is_subscriber(uri, table, flags): 1 when a subscriber row exists for the URI's user
    /// (and domain with flags bit 1); bit 2 skips loading the load_credentials columns.</summary>
    [Function("is_subscriber", RouteTypes.Any)]
    public int IsSubscriber(MessageContext ctx, string uri, string table, string flags)
    {
        int f = AuthModule.ParseInt(flags);
        if (!SipUri.TryParse(uri, out var u) || !u.IsValid) return -1;
        int found = Table(table).Lookup((f & 2) == 0 ? ctx : null, u.User, (f & 1) != 0 ? u.HostString.ToLowerInvariant() : null, -1, default, out _);
        return found > 0 ? 1 : -1;
    }

    /// <summary>A load_credentials column fetched with the credentials of the current message (null when none).</summary>
    public static string? LoadedCredential(MessageContext ctx, string column)
        => AuthModule.LoadedCredentials(ctx).TryGetValue(column, out var v) ? v : null;

    public override void Stop() => Dispose();

    public void Dispose()
    {
        _db?.Dispose();
        _db = null;
    }

    /// <summary>One subscriber table: the prepared queries and the credential source bound to a message.</summary>
    private sealed class SubscriberTable
    {
        private const int FirstLoaded = 2;
        private readonly AuthDbModule _m;
        private readonly DbQuery _byUser;
        private readonly DbQuery _byUserDomain;
        [ThreadStatic] private static Source? t_source;

        public SubscriberTable(AuthDbModule m, string table)
        {
            _m = m;
            var cols = new StringBuilder();
            cols.Append(Q(m.PasswordColumn)).Append(", ").Append(Q(m.PasswordColumn2));
            foreach (var c in m._load) cols.Append(", ").Append(Q(c));
            string sqlUser = "SELECT " + cols + " FROM " + Q(table) + " WHERE " + Q(m.UserColumn) + " = @p0";
            _byUser = m._db!.Prepare(sqlUser, 1);
            _byUserDomain = m._db!.Prepare(sqlUser + " AND " + Q(m.DomainColumn) + " = @p1", 2);
            string Q(string s) => m._db!.Backend == DbBackend.MySql ? "`" + s + "`" : "\"" + s + "\"";
        }

        /// <summary>
        /// Looks up a user (and domain, when given): 1 found, 0 no such row, -1 database error. When found,
        /// column <paramref name="secretColumn"/> (if not negative) is copied into <paramref name="secret"/>
        /// (length -1: it does not fit) and, with a context, the load_credentials columns are stored for it.
        /// </summary>
        public int Lookup(MessageContext? ctx, ReadOnlySpan<byte> user, string? domain, int secretColumn, Span<byte> secret, out int secretLength)
        {
            secretLength = 0;
            try
            {
                using var run = (domain is null ? _byUser : _byUserDomain).Run();
                run.Bind(0, user);
                if (domain is not null) run.Bind(1, domain);
                if (!run.Read()) return 0;
                if (secretColumn >= 0)
                {
                    var v = run.GetUtf8(secretColumn);
                    secretLength = v.Length <= secret.Length ? v.Length : -1;
                    if (secretLength > 0) v.CopyTo(secret);
                }
                if (ctx is not null && _m._load.Length > 0)
                {
                    var d = AuthModule.LoadedCredentials(ctx);
                    for (int i = 0; i < _m._load.Length; i++) d[_m._load[i]] = run.GetString(FirstLoaded + i);
                }
                return 1;
            }
            catch (DbException ex)
            {
                Osprey.Core.Logging.Logger.Process.Error("auth_db", "database error on " + _m._db!.Url.Display + ": " + ex.Message);
                return -1;
            }
        }

        public ICredentialSource For(MessageContext ctx)
        {
            var s = t_source ??= new Source();
            s.Table = this;
            s.Ctx = ctx;
            return s;
        }

        private sealed class Source : ICredentialSource
        {
            public SubscriberTable Table = null!;
            public MessageContext Ctx = null!;

            public bool TryGet(ReadOnlySpan<byte> username, string realm, Span<byte> secret, out int secretLength, out bool isHa1)
            {
                var m = Table._m;
                isHa1 = m.CalculateHa1 == 0;
                int at = username.IndexOf((byte)'@');
                var user = at >= 0 ? username[..at] : username;
                // calculate_ha1=0: ha1b holds H(user@domain:realm:pw) for usernames that carry a domain
                int column = isHa1 && at >= 0 ? 1 : 0;
                int found = Table.Lookup(Ctx, user, m.UseDomain != 0 ? realm : null, column, secret, out secretLength);
                if (found < 0) secretLength = -1;
                return found != 0;
            }
        }
    }
}
