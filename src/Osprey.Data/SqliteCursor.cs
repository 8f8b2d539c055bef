using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Osprey.Data;

/// <summary>
/// SQLite: one connection kept open with the statement compiled once (sqlite3_prepare_v2, which
/// recompiles by itself when the schema changes). Each run binds, steps and resets; stepping in
/// autocommit mode starts a new read transaction, so every run sees the latest committed rows, and the
/// reset ends it, so this reader never holds back a writer's checkpoint.
/// </summary>
internal sealed class SqliteCursor : DbCursor
{
    private readonly SqliteConnection _conn;
    private readonly sqlite3_stmt _stmt;
    private readonly int[] _index;

    public SqliteCursor(SqliteConnection openConnection, string sql, int parameterCount)
    {
        _conn = openConnection;
        var db = _conn.Handle!;
        int rc = raw.sqlite3_prepare_v2(db, sql, out _stmt);
        if (rc != raw.SQLITE_OK)
        {
            var message = raw.sqlite3_errmsg(db).utf8_to_string();
            _conn.Dispose();
            throw new SqliteException("SQLite Error " + rc + ": '" + message + "' in: " + sql, rc);
        }
        _index = new int[parameterCount];
        for (int i = 0; i < parameterCount; i++)
        {
            _index[i] = raw.sqlite3_bind_parameter_index(_stmt, "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public override void BindText(int parameter, ReadOnlySpan<byte> utf8)
    {
        // an empty span has no address, and a null pointer would bind NULL: '' is a string
        Check(utf8.IsEmpty ? raw.sqlite3_bind_text(_stmt, _index[parameter], "") : raw.sqlite3_bind_text(_stmt, _index[parameter], utf8));
    }

    public override void BindText(int parameter, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_stmt, _index[parameter]));
            return;
        }
        byte[]? rented = null;
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        BindText(parameter, buf[..Encoding.UTF8.GetBytes(value, buf)]);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    public override void BindInt64(int parameter, long value) => Check(raw.sqlite3_bind_int64(_stmt, _index[parameter], value));

    public override bool Read()
    {
        int rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        Check(rc);
        return false;
    }

    public override bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    // for INTEGER and REAL values SQLite hands out their text form
    public override ReadOnlySpan<byte> GetUtf8(int column) => raw.sqlite3_column_blob(_stmt, column);

    public override string GetString(int column) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_stmt, column));

    public override long GetInt64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public override void End()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    private void Check(int rc)
    {
        if (rc == raw.SQLITE_OK) return;
        Fail(rc);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Fail(int rc)
    {
        string message = raw.sqlite3_errmsg(_conn.Handle).utf8_to_string();
        raw.sqlite3_reset(_stmt);
        throw new SqliteException("SQLite Error " + rc + ": '" + message + "'", rc);
    }

    public override void Dispose()
    {
        _stmt.Dispose();
        _conn.Dispose();
    }
}
