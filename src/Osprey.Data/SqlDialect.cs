using System.Text;

namespace Osprey.Data;

/// <summary>The SQL each backend spells differently: identifier quoting, upsert, and the types of
/// <see cref="Schema.ColumnType"/>.</summary>
internal abstract class SqlDialect
{
    public static SqlDialect For(DbBackend b) => b switch
    {
        DbBackend.Postgres => PostgresDialect.Instance,
        DbBackend.MySql => MySqlDialect.Instance,
        _ => SqliteDialect.Instance,
    };

    public abstract void Quote(StringBuilder sb, string identifier);

    /// <summary>Appends the upsert tail after <c>INSERT INTO t (cols) VALUES (...)</c>.</summary>
    public abstract void AppendUpsert(StringBuilder sb, IReadOnlyList<DbField> values, IReadOnlyList<string> keys);

    public abstract string TypeOf(Schema.ColumnDef c);

    public virtual string AutoIdColumn => "INTEGER PRIMARY KEY NOT NULL";

    /// <summary>Table options after the closing parenthesis of CREATE TABLE.</summary>
    public virtual string TableSuffix => "";

    /// <summary>True when unique constraints go inside CREATE TABLE (all three accept it).</summary>
    public virtual bool IndexIfNotExists => true;

    /// <summary>How a DateTime parameter is bound (SQLite keeps Kamailio's text form).</summary>
    public virtual object BindDateTime(DateTime d) => DateTime.SpecifyKind(d, DateTimeKind.Unspecified);
}

internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    public override void Quote(StringBuilder sb, string identifier) => sb.Append('"').Append(identifier).Append('"');

    public override void AppendUpsert(StringBuilder sb, IReadOnlyList<DbField> values, IReadOnlyList<string> keys)
        => PostgresDialect.AppendOnConflict(this, sb, values, keys);

    public override string TypeOf(Schema.ColumnDef c) => c.Type switch
    {
        Schema.ColumnType.String => "VARCHAR(" + c.Size + ")",
        Schema.ColumnType.Text => "TEXT",
        Schema.ColumnType.Int => "INTEGER",
        Schema.ColumnType.SmallInt => "SMALLINT",
        Schema.ColumnType.BigInt => "BIGINT",
        Schema.ColumnType.Float => "REAL",
        Schema.ColumnType.DateTime => "TIMESTAMP WITHOUT TIME ZONE",
        _ => "TEXT",
    };

    public override object BindDateTime(DateTime d) => d.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    public override void Quote(StringBuilder sb, string identifier) => sb.Append('"').Append(identifier).Append('"');

    public override void AppendUpsert(StringBuilder sb, IReadOnlyList<DbField> values, IReadOnlyList<string> keys)
        => AppendOnConflict(this, sb, values, keys);

    internal static void AppendOnConflict(SqlDialect d, StringBuilder sb, IReadOnlyList<DbField> values, IReadOnlyList<string> keys)
    {
        sb.Append(" ON CONFLICT (");
        for (int i = 0; i < keys.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            d.Quote(sb, keys[i]);
        }
        sb.Append(") DO UPDATE SET ");
        bool first = true;
        foreach (var v in values)
        {
            if (!first) sb.Append(", ");
            first = false;
            d.Quote(sb, v.Column);
            sb.Append(" = excluded.");
            d.Quote(sb, v.Column);
        }
    }

    public override string AutoIdColumn => "SERIAL PRIMARY KEY NOT NULL";

    public override string TypeOf(Schema.ColumnDef c) => c.Type switch
    {
        Schema.ColumnType.String => "VARCHAR(" + c.Size + ")",
        Schema.ColumnType.Text => "TEXT",
        Schema.ColumnType.Int => "INTEGER",
        Schema.ColumnType.SmallInt => "SMALLINT",
        Schema.ColumnType.BigInt => "BIGINT",
        Schema.ColumnType.Float => "REAL",
        Schema.ColumnType.DateTime => "TIMESTAMP WITHOUT TIME ZONE",
        _ => "TEXT",
    };
}

internal sealed class MySqlDialect : SqlDialect
{
    public static readonly MySqlDialect Instance = new();

    public override void Quote(StringBuilder sb, string identifier) => sb.Append('`').Append(identifier).Append('`');

    public override void AppendUpsert(StringBuilder sb, IReadOnlyList<DbField> values, IReadOnlyList<string> keys)
    {
        sb.Append(" ON DUPLICATE KEY UPDATE ");
        bool first = true;
        foreach (var v in values)
        {
            if (!first) sb.Append(", ");
            first = false;
            Quote(sb, v.Column);
            sb.Append(" = VALUES(");
            Quote(sb, v.Column);
            sb.Append(')');
        }
    }

    public override string AutoIdColumn => "INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL";

    public override string TableSuffix => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

    public override string TypeOf(Schema.ColumnDef c) => c.Type switch
    {
        Schema.ColumnType.String => "VARCHAR(" + c.Size + ")",
        Schema.ColumnType.Text => "TEXT",
        Schema.ColumnType.Int => "INT(11)",
        Schema.ColumnType.SmallInt => "SMALLINT(5)",
        Schema.ColumnType.BigInt => "BIGINT(20)",
        Schema.ColumnType.Float => "FLOAT(10,2)",
        Schema.ColumnType.DateTime => "DATETIME",
        _ => "TEXT",
    };
}
