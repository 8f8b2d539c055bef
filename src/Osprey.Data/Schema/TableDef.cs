namespace Osprey.Data.Schema;

/// <summary>Column types of Kamailio's schema, mapped to each backend's SQL type by the dialect.</summary>
public enum ColumnType
{
    Int,
    SmallInt,
    BigInt,
    String,
    Text,
    Float,
    DateTime,
}

/// <summary>A column: name, type, size (strings), nullability and default.</summary>
public sealed record ColumnDef(string Name, ColumnType Type, int Size = 0, bool Nullable = false, object? Default = null, bool HasDefault = false);

/// <summary>An index; <see cref="Unique"/> ones are what replace/upsert key on.</summary>
public sealed record IndexDef(string Name, bool Unique, params string[] Columns);

/// <summary>A table of the schema with its version (the row in the <c>version</c> table modules check).
/// Every table has the auto-increment <c>id</c> primary key, as Kamailio's do.</summary>
public sealed record TableDef(string Name, int Version, IReadOnlyList<ColumnDef> Columns, IReadOnlyList<IndexDef> Indexes);
