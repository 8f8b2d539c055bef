namespace Osprey.Data;

/// <summary>Comparison of a <see cref="DbCondition"/> (Kamailio's db_op_t: =, &lt;, &gt;, &lt;=, &gt;=, !=).</summary>
public enum DbOp
{
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// <summary>One term of a WHERE clause; terms are joined with AND. A null value with <see cref="DbOp.Eq"/>
/// matches NULL (IS NULL), as Kamailio's db layer does.</summary>
public readonly record struct DbCondition(string Column, DbOp Op, object? Value)
{
    public static DbCondition Eq(string column, object? value) => new(column, DbOp.Eq, value);
    public static DbCondition Lt(string column, object? value) => new(column, DbOp.Lt, value);
    public static DbCondition Gt(string column, object? value) => new(column, DbOp.Gt, value);
}

/// <summary>A column and the value to write to it.</summary>
public readonly record struct DbField(string Column, object? Value);
