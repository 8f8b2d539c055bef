using System.Data.Common;
using System.Text;

namespace Osprey.Data;

/// <summary>
/// One database named by a <c>db_url</c>, with the small query interface modules need (Kamailio's
/// db API: query by keys, insert, update, delete, replace, raw query). Thread-safe: each call takes a
/// connection from the provider's pool and returns it. Calls block on I/O, so modules make them off the
/// SIP hot path (write-behind) unless their mode demands write-through.
/// </summary>
public sealed class Database : IDisposable
{
    private readonly DbDataSource _source;
    private readonly SqlDialect _dialect;
    private readonly List<DbQuery> _prepared = [];

    private Database(DbUrl url, DbDataSource source)
    {
        Url = url;
        _source = source;
        _dialect = SqlDialect.For(url.Backend);
    }

    public DbUrl Url { get; }
    public DbBackend Backend => Url.Backend;

    /// <summary>Opens (lazily: no connection is made until the first query) the database of a db_url.</summary>
    public static bool TryOpen(string url, out Database db, out string error)
    {
        db = null!;
        if (!DbUrl.TryParse(url, out var u, out error)) return false;
        db = Open(u);
        return true;
    }

    public static Database Open(DbUrl url)
    {
        DbDataSource src = url.Backend switch
        {
            DbBackend.Postgres => Npgsql.NpgsqlDataSource.Create(url.ConnectionString),
            DbBackend.MySql => new MySqlConnector.MySqlDataSource(url.ConnectionString),
            _ => new SqliteDataSource(url.ConnectionString),
        };
        return new Database(url, src);
    }

    /// <summary>SELECT columns FROM table WHERE conditions (AND) [ORDER BY orderBy].</summary>
    public List<DbRow> Select(string table, IReadOnlyList<string> columns, IReadOnlyList<DbCondition>? where = null, string? orderBy = null)
    {
        var sb = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            _dialect.Quote(sb, columns[i]);
        }
        sb.Append(" FROM ");
        _dialect.Quote(sb, table);
        var args = new List<object?>();
        AppendWhere(sb, where, args);
        if (orderBy is not null)
        {
            sb.Append(" ORDER BY ");
            _dialect.Quote(sb, orderBy);
        }
        return Query(sb.ToString(), args);
    }

    public int Insert(string table, IReadOnlyList<DbField> values) => Execute(BuildInsert(table, values, null), ArgsOf(values));

    /// <summary>Insert, or update the row with the same <paramref name="uniqueKeys"/> (which must form a unique index).</summary>
    public int Replace(string table, IReadOnlyList<DbField> values, IReadOnlyList<string> uniqueKeys)
        => Execute(BuildInsert(table, values, uniqueKeys), ArgsOf(values));

    public int Update(string table, IReadOnlyList<DbCondition> where, IReadOnlyList<DbField> set)
    {
        var sb = new StringBuilder("UPDATE ");
        _dialect.Quote(sb, table);
        sb.Append(" SET ");
        var args = new List<object?>();
        for (int i = 0; i < set.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            _dialect.Quote(sb, set[i].Column);
            sb.Append(" = @p").Append(args.Count);
            args.Add(set[i].Value);
        }
        AppendWhere(sb, where, args);
        return Execute(sb.ToString(), args);
    }

    public int Delete(string table, IReadOnlyList<DbCondition>? where = null)
    {
        var sb = new StringBuilder("DELETE FROM ");
        _dialect.Quote(sb, table);
        var args = new List<object?>();
        AppendWhere(sb, where, args);
        return Execute(sb.ToString(), args);
    }

    /// <summary>A raw query; arguments are bound to <c>@p0</c>, <c>@p1</c>, ...</summary>
    public List<DbRow> Query(string sql, IReadOnlyList<object?>? args = null)
    {
        using var conn = _source.OpenConnection();
        using var cmd = Command(conn, sql, args);
        using var r = cmd.ExecuteReader();
        var rows = new List<DbRow>();
        while (r.Read())
        {
            var vals = new object?[r.FieldCount];
            for (int i = 0; i < vals.Length; i++) vals[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(new DbRow(vals));
        }
        return rows;
    }

    /// <summary>
    /// A SELECT (arguments <c>@p0</c> .. <c>@p(n-1)</c>) compiled once and run many times: for lookups on the
    /// SIP path. Disposed with this database.
    /// </summary>
    public DbQuery Prepare(string sql, int parameterCount)
    {
        var q = new DbQuery(this, sql, parameterCount);
        lock (_prepared) _prepared.Add(q);
        return q;
    }

    internal DbCursor NewCursor(string sql, int parameterCount) => _source is SqliteDataSource
        ? new SqliteCursor((Microsoft.Data.Sqlite.SqliteConnection)_source.OpenConnection(), sql, parameterCount)
        : new PooledCursor(this, _source, sql, parameterCount);

    /// <summary>A raw statement; returns the number of rows affected.</summary>
    public int Execute(string sql, IReadOnlyList<object?>? args = null)
    {
        using var conn = _source.OpenConnection();
        using var cmd = Command(conn, sql, args);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>Runs several statements in one transaction (all or nothing).</summary>
    public void InTransaction(Action<DbTransactionScope> work)
    {
        using var conn = _source.OpenConnection();
        using var tx = conn.BeginTransaction();
        work(new DbTransactionScope(this, conn, tx));
        tx.Commit();
    }

    /// <summary>The column names of a table as the server reports them (for start-up checks of columns a
    /// configuration names, such as acc's db_extra).</summary>
    public IReadOnlyList<string> Columns(string table)
    {
        var sb = new StringBuilder("SELECT * FROM ");
        _dialect.Quote(sb, table);
        sb.Append(" WHERE 1 = 0");
        using var conn = _source.OpenConnection();
        using var cmd = Command(conn, sb.ToString(), null);
        using var r = cmd.ExecuteReader();
        var names = new string[r.FieldCount];
        for (int i = 0; i < names.Length; i++) names[i] = r.GetName(i);
        return names;
    }

    /// <summary>The version of a table recorded in the <c>version</c> table, or -1 when absent (modules check it at start-up).</summary>
    public int TableVersion(string table)
    {
        var rows = Select(Schema.KamailioSchema.VersionTable, ["table_version"], [DbCondition.Eq("table_name", table)]);
        return rows.Count == 0 ? -1 : (int)rows[0].GetInt64(0, -1);
    }

    /// <summary>Start-up check: null when the table's version matches, else a message the operator can act on.</summary>
    public string? CheckTableVersion(string table, int expected)
    {
        int v;
        try
        {
            v = TableVersion(table);
        }
        catch (DbException ex)
        {
            return "cannot read the version of table '" + table + "' from " + Url.Display + ": " + ex.Message + " (create the schema with: ospreyctl db create)";
        }
        if (v == expected) return null;
        return v < 0
            ? "table '" + table + "' is not in the version table of " + Url.Display + " (create it with: ospreyctl db create)"
            : "table '" + table + "' has version " + v + ", expected " + expected + " (migrate with: ospreyctl db migrate)";
    }

    internal SqlDialect Dialect => _dialect;

    internal DbCommand Command(DbConnection conn, string sql, IReadOnlyList<object?>? args, DbTransaction? tx = null)
    {
        var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        if (args is not null)
        {
            for (int i = 0; i < args.Count; i++)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                p.Value = args[i] switch
                {
                    null => DBNull.Value,
                    DateTime d => _dialect.BindDateTime(d),
                    var v => v,
                };
                cmd.Parameters.Add(p);
            }
        }
        return cmd;
    }

    internal string BuildInsert(string table, IReadOnlyList<DbField> values, IReadOnlyList<string>? upsertKeys)
    {
        var sb = new StringBuilder("INSERT INTO ");
        _dialect.Quote(sb, table);
        sb.Append(" (");
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            _dialect.Quote(sb, values[i].Column);
        }
        sb.Append(") VALUES (");
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append("@p").Append(i);
        }
        sb.Append(')');
        if (upsertKeys is not null) _dialect.AppendUpsert(sb, values, upsertKeys);
        return sb.ToString();
    }

    internal static List<object?> ArgsOf(IReadOnlyList<DbField> values)
    {
        var a = new List<object?>(values.Count);
        foreach (var v in values) a.Add(v.Value);
        return a;
    }

    internal void AppendWhere(StringBuilder sb, IReadOnlyList<DbCondition>? where, List<object?> args)
    {
        if (where is null || where.Count == 0) return;
        sb.Append(" WHERE ");
        for (int i = 0; i < where.Count; i++)
        {
            var c = where[i];
            if (i > 0) sb.Append(" AND ");
            _dialect.Quote(sb, c.Column);
            if (c.Value is null)
            {
                sb.Append(c.Op == DbOp.Ne ? " IS NOT NULL" : " IS NULL");
                continue;
            }
            sb.Append(c.Op switch
            {
                DbOp.Ne => " <> ",
                DbOp.Lt => " < ",
                DbOp.Gt => " > ",
                DbOp.Le => " <= ",
                DbOp.Ge => " >= ",
                _ => " = ",
            });
            sb.Append("@p").Append(args.Count);
            args.Add(c.Value);
        }
    }

    public void Dispose()
    {
        lock (_prepared)
        {
            foreach (var q in _prepared) q.Dispose();
            _prepared.Clear();
        }
        _source.Dispose();
    }
}

/// <summary>Statements inside <see cref="Database.InTransaction"/>.</summary>
public sealed class DbTransactionScope
{
    private readonly Database _db;
    private readonly DbConnection _conn;
    private readonly DbTransaction _tx;

    internal DbTransactionScope(Database db, DbConnection conn, DbTransaction tx)
    {
        _db = db;
        _conn = conn;
        _tx = tx;
    }

    public int Execute(string sql, IReadOnlyList<object?>? args = null)
    {
        using var cmd = _db.Command(_conn, sql, args, _tx);
        return cmd.ExecuteNonQuery();
    }

    public int Insert(string table, IReadOnlyList<DbField> values) => Execute(_db.BuildInsert(table, values, null), Database.ArgsOf(values));

    public int Replace(string table, IReadOnlyList<DbField> values, IReadOnlyList<string> uniqueKeys)
        => Execute(_db.BuildInsert(table, values, uniqueKeys), Database.ArgsOf(values));

    public int Delete(string table, IReadOnlyList<DbCondition> where)
    {
        var sb = new StringBuilder("DELETE FROM ");
        _db.Dialect.Quote(sb, table);
        var args = new List<object?>();
        _db.AppendWhere(sb, where, args);
        return Execute(sb.ToString(), args);
    }
}
