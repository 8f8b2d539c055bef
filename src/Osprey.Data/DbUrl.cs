namespace Osprey.Data;

/// <summary>The database servers a <c>db_url</c> can name.</summary>
public enum DbBackend
{
    Sqlite,
    Postgres,
    MySql,
}

/// <summary>
/// A parsed <c>db_url</c>: <c>sqlite:///path/file.db</c>, <c>postgres://user:pw@host[:port]/db</c>,
/// <c>mysql://user:pw@host[:port]/db</c> (MariaDB or MySQL). The scheme picks the backend, as Kamailio's
/// <c>db_*</c> modules do.
/// </summary>
public sealed class DbUrl
{
    private DbUrl(DbBackend backend, string connectionString, string display, string? sqlitePath = null)
    {
        Backend = backend;
        ConnectionString = connectionString;
        Display = display;
        SqlitePath = sqlitePath;
    }

    /// <summary>The file of a <c>sqlite://</c> URL; null for the servers.</summary>
    public string? SqlitePath { get; }

    /// <summary>
    /// The database a default installation uses, so that <c>osprey</c> (its embedded configuration) and
    /// <c>ospreyctl</c> agree without options: <c>$OSPREY_DB_URL</c> when set; else the SQLite file
    /// <c>/var/lib/osprey/osprey.db</c> for root or when that directory is writable (the systemd unit's
    /// StateDirectory, containers); else <c>$XDG_DATA_HOME/osprey/osprey.db</c>
    /// (<c>~/.local/share/osprey/osprey.db</c>) for a user trying Osprey out.
    /// </summary>
    public static string DefaultUrl()
    {
        var env = Environment.GetEnvironmentVariable("OSPREY_DB_URL");
        if (!string.IsNullOrEmpty(env)) return env;
        const string system = "/var/lib/osprey";
        if (Environment.IsPrivilegedProcess || Writable(system)) return "sqlite://" + system + "/osprey.db";
        var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(data)) data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return "sqlite://" + Path.Combine(data, "osprey", "osprey.db");
    }

    private static bool Writable(string dir)
    {
        if (!Directory.Exists(dir)) return false;
        var probe = Path.Combine(dir, ".osprey-write-test-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public DbBackend Backend { get; }

    /// <summary>The ADO.NET connection string (holds the password: never log it).</summary>
    internal string ConnectionString { get; }

    /// <summary>The URL with the password replaced by <c>***</c>, for messages and logs.</summary>
    public string Display { get; }

    public override string ToString() => Display;

    /// <summary>Parses a db_url; on failure <paramref name="error"/> says what is wrong (without the password).</summary>
    public static bool TryParse(string? url, out DbUrl result, out string error)
    {
        result = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "db_url is empty";
            return false;
        }
        int sep = url.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            error = "db_url has no scheme (expected sqlite://, postgres:// or mysql://)";
            return false;
        }
        string scheme = url[..sep].ToLowerInvariant();
        string rest = url[(sep + 3)..];
        if (scheme == "sqlite")
        {
            if (rest.Length == 0)
            {
                error = "sqlite db_url has no file path (expected sqlite:///path/file.db)";
                return false;
            }
            var b = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
            {
                DataSource = rest,
                Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 10,
            };
            result = new DbUrl(DbBackend.Sqlite, b.ConnectionString, url, rest);
            return true;
        }
        DbBackend backend;
        switch (scheme)
        {
            case "postgres":
            case "postgresql":
                backend = DbBackend.Postgres;
                break;
            case "mysql":
            case "mariadb":
                backend = DbBackend.MySql;
                break;
            default:
                error = "db_url scheme '" + scheme + "' is not supported (sqlite, postgres, mysql)";
                return false;
        }
        int at = rest.LastIndexOf('@');
        string userInfo = at >= 0 ? rest[..at] : "";
        string hostPart = at >= 0 ? rest[(at + 1)..] : rest;
        int slash = hostPart.IndexOf('/');
        if (slash < 0 || slash == hostPart.Length - 1)
        {
            error = "db_url " + Redact(scheme, userInfo, hostPart) + " has no database name (expected " + scheme + "://user:pw@host/db)";
            return false;
        }
        string db = Uri.UnescapeDataString(hostPart[(slash + 1)..]);
        string hostPort = hostPart[..slash];
        string host = hostPort;
        int port = backend == DbBackend.Postgres ? 5432 : 3306;
        int colon = hostPort.LastIndexOf(':');
        if (colon > 0 && hostPort[^1] != ']')
        {
            if (!int.TryParse(hostPort.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is 0 or > 65535)
            {
                error = "db_url " + Redact(scheme, userInfo, hostPart) + " has a bad port";
                return false;
            }
            host = hostPort[..colon];
        }
        if (host.Length == 0) host = "localhost";
        string user = userInfo, password = "";
        int uc = userInfo.IndexOf(':');
        if (uc >= 0)
        {
            user = userInfo[..uc];
            password = userInfo[(uc + 1)..];
        }
        user = Uri.UnescapeDataString(user);
        password = Uri.UnescapeDataString(password);
        string cs;
        if (backend == DbBackend.Postgres)
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder
            {
                Host = host.Trim('[', ']'),
                Port = port,
                Database = db,
                Username = user,
                Password = password,
                Pooling = true,
                MaxPoolSize = 32,
                Timeout = 10,
            };
            cs = b.ConnectionString;
        }
        else
        {
            var b = new MySqlConnector.MySqlConnectionStringBuilder
            {
                Server = host.Trim('[', ']'),
                Port = (uint)port,
                Database = db,
                UserID = user,
                Password = password,
                Pooling = true,
                MaximumPoolSize = 32,
                ConnectionTimeout = 10,
                AllowUserVariables = true,
            };
            cs = b.ConnectionString;
        }
        result = new DbUrl(backend, cs, Redact(scheme, userInfo, hostPart));
        return true;
    }

    private static string Redact(string scheme, string userInfo, string hostPart)
    {
        int uc = userInfo.IndexOf(':');
        string u = uc >= 0 ? userInfo[..uc] + ":***" : userInfo;
        return scheme + "://" + (u.Length > 0 ? u + "@" : "") + hostPart;
    }
}
