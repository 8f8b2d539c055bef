using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Osprey.Data.Schema;

/// <summary>
/// Creates, drops and checks Kamailio's schema on any backend (what <c>kamdbctl create</c> does);
/// exposed as <c>ospreyctl db create|drop|migrate</c>. Idempotent: existing tables are kept.
/// </summary>
public sealed class SchemaCreator(Database db)
{
    /// <summary>
    /// First use of a SQLite database (the embedded default): creates the file's directory and, when the
    /// file has no schema yet, every table. Returns what was created (empty when the schema was there).
    /// Other backends are left alone: their schema is the operator's (<c>ospreyctl db create</c>).
    /// </summary>
    public static IReadOnlyList<string> CreateIfNewSqlite(DbUrl url)
    {
        if (url.Backend != DbBackend.Sqlite || url.SqlitePath is not { } path) return [];
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var db = Database.Open(url);
        var creator = new SchemaCreator(db);
        return creator.TableExists(KamailioSchema.VersionTable) ? [] : creator.Create();
    }

    /// <summary>The CREATE TABLE / CREATE INDEX statements for one table on this backend.</summary>
    public IReadOnlyList<string> CreateStatements(TableDef t)
    {
        var d = db.Dialect;
        var sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
        d.Quote(sb, t.Name);
        sb.Append(" (\n    ");
        d.Quote(sb, "id");
        sb.Append(' ').Append(d.AutoIdColumn);
        foreach (var c in t.Columns)
        {
            sb.Append(",\n    ");
            d.Quote(sb, c.Name);
            sb.Append(' ').Append(d.TypeOf(c));
            if (c.HasDefault)
            {
                sb.Append(" DEFAULT ");
                AppendLiteral(sb, c.Default);
            }
            if (!c.Nullable) sb.Append(" NOT NULL");
        }
        foreach (var ix in t.Indexes)
        {
            if (!ix.Unique) continue;
            sb.Append(",\n    CONSTRAINT ");
            d.Quote(sb, ix.Name);
            sb.Append(" UNIQUE (");
            AppendColumns(sb, ix.Columns);
            sb.Append(')');
        }
        sb.Append("\n)").Append(d.TableSuffix);
        var list = new List<string> { sb.ToString() };
        foreach (var ix in t.Indexes)
        {
            if (ix.Unique) continue;
            var s = new StringBuilder("CREATE INDEX ");
            // MySQL/MariaDB have no CREATE INDEX IF NOT EXISTS before 10.1.4 / 8.0.29; we check existence ourselves.
            if (db.Backend != DbBackend.MySql) s.Append("IF NOT EXISTS ");
            d.Quote(s, ix.Name);
            s.Append(" ON ");
            d.Quote(s, t.Name);
            s.Append(" (");
            AppendColumns(s, ix.Columns);
            s.Append(')');
            list.Add(s.ToString());
        }
        return list;
    }

    /// <summary>Creates the given tables (all when null) and records their versions. Returns what was done.</summary>
    public IReadOnlyList<string> Create(IEnumerable<TableDef>? tables = null)
    {
        var done = new List<string>();
        EnsureTable(KamailioSchema.Version, done);
        foreach (var t in tables ?? KamailioSchema.All)
        {
            if (t.Name == KamailioSchema.VersionTable) continue;
            EnsureTable(t, done);
        }
        return done;
    }

    /// <summary>Drops the given tables (all when null), and their version rows.</summary>
    public void Drop(IEnumerable<TableDef>? tables = null)
    {
        var list = new List<TableDef>(tables ?? KamailioSchema.All);
        bool dropVersion = false;
        foreach (var t in list)
        {
            if (t.Name == KamailioSchema.VersionTable)
            {
                dropVersion = true;
                continue;
            }
            db.Execute("DROP TABLE IF EXISTS " + Q(t.Name));
            if (!dropVersion && TableExists(KamailioSchema.VersionTable)) db.Delete(KamailioSchema.VersionTable, [DbCondition.Eq("table_name", t.Name)]);
        }
        if (dropVersion) db.Execute("DROP TABLE IF EXISTS " + Q(KamailioSchema.VersionTable));
    }

    /// <summary>
    /// Brings the schema to this release: creates missing tables, and reports tables whose recorded
    /// version differs from ours (Osprey ships no automatic conversions yet; the report says which).
    /// </summary>
    public IReadOnlyList<string> Migrate()
    {
        var report = new List<string>(Create());
        foreach (var t in KamailioSchema.All)
        {
            int v = db.TableVersion(t.Name);
            if (v != t.Version) report.Add("table " + t.Name + " has version " + v + ", this release uses " + t.Version + ": convert it by hand");
        }
        return report;
    }

    public bool TableExists(string table)
    {
        string sql = db.Backend switch
        {
            DbBackend.Sqlite => "SELECT 1 FROM sqlite_master WHERE type='table' AND name=@p0",
            DbBackend.Postgres => "SELECT 1 FROM information_schema.tables WHERE table_schema=current_schema() AND table_name=@p0",
            _ => "SELECT 1 FROM information_schema.tables WHERE table_schema=DATABASE() AND table_name=@p0",
        };
        return db.Query(sql, [table]).Count > 0;
    }

    private bool IndexExistsMySql(string table, string index)
        => db.Query("SELECT 1 FROM information_schema.statistics WHERE table_schema=DATABASE() AND table_name=@p0 AND index_name=@p1", [table, index]).Count > 0;

    private void EnsureTable(TableDef t, List<string> done)
    {
        bool existed = TableExists(t.Name);
        var stmts = CreateStatements(t);
        db.Execute(stmts[0]);
        int k = 1;
        foreach (var ix in t.Indexes)
        {
            if (ix.Unique) continue;
            if (db.Backend != DbBackend.MySql || !IndexExistsMySql(t.Name, ix.Name)) db.Execute(stmts[k]);
            k++;
        }
        if (db.TableVersion(t.Name) < 0)
        {
            db.Insert(KamailioSchema.VersionTable, [new DbField("table_name", t.Name), new DbField("table_version", t.Version)]);
        }
        if (!existed) done.Add("created table " + t.Name + " (version " + t.Version + ")");
    }

    private string Q(string name)
    {
        var sb = new StringBuilder();
        db.Dialect.Quote(sb, name);
        return sb.ToString();
    }

    private void AppendColumns(StringBuilder sb, string[] cols)
    {
        for (int i = 0; i < cols.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            db.Dialect.Quote(sb, cols[i]);
        }
    }

    private static void AppendLiteral(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null:
                sb.Append("NULL");
                break;
            case string s:
                sb.Append('\'').Append(s.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                break;
            case double d:
                sb.Append(d.ToString("0.0##", CultureInfo.InvariantCulture));
                break;
            case IFormattable f:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append(v);
                break;
        }
    }

    internal static bool IsMissingTable(DbException ex) => ex.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("doesn't exist", StringComparison.OrdinalIgnoreCase);
}
