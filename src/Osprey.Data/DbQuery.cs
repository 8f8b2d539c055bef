using System.Data.Common;
using System.Text;

namespace Osprey.Data;

/// <summary>
/// A SELECT made once (<see cref="Database.Prepare"/>) and run many times with new arguments, for lookups
/// on the SIP path such as auth_db's credentials. Every run is a fresh read: it sees all changes committed
/// before it, by this process or another (ospreyctl, a provisioning tool). SQLite: each concurrent runner
/// takes a kept-open connection with the statement already compiled, so a run neither re-parses the SQL nor
/// allocates; PostgreSQL and MySQL: a pooled connection per run, as <see cref="Database.Query"/> does.
/// Thread-safe; runs on one thread do not nest.
/// </summary>
public sealed class DbQuery : IDisposable
{
    private readonly Database _db;
    private readonly DbCursor?[] _idle;
    private volatile bool _disposed;

    internal DbQuery(Database db, string sql, int parameterCount)
    {
        _db = db;
        Sql = sql;
        ParameterCount = parameterCount;
        // enough idle cursors for every core to hold one; more concurrent runs open extra ones and close them after
        _idle = new DbCursor?[Math.Max(2, Environment.ProcessorCount * 2)];
    }

    public string Sql { get; }

    /// <summary>Arguments are bound to <c>@p0</c> .. <c>@p(n-1)</c>.</summary>
    public int ParameterCount { get; }

    /// <summary>Starts a run: bind the arguments, then read rows; disposing it ends the read.</summary>
    public DbQueryRun Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < _idle.Length; i++)
        {
            var c = Interlocked.Exchange(ref _idle[i], null);
            if (c is not null) return new DbQueryRun(this, c);
        }
        return new DbQueryRun(this, _db.NewCursor(Sql, ParameterCount));
    }

    internal void Return(DbCursor c)
    {
        c.End();
        if (!_disposed)
        {
            for (int i = 0; i < _idle.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _idle[i], c, null) is null)
                {
                    // Dispose may have emptied the slots meanwhile: take it back out then
                    if (_disposed && Interlocked.Exchange(ref _idle[i], null) is { } back) back.Dispose();
                    return;
                }
            }
        }
        c.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        for (int i = 0; i < _idle.Length; i++) Interlocked.Exchange(ref _idle[i], null)?.Dispose();
    }
}

/// <summary>
/// One run of a <see cref="DbQuery"/>: <see cref="Bind(int, ReadOnlySpan{byte})"/> every parameter, then
/// <see cref="Read"/> rows. Values read as UTF-8 spans stay valid until the next <see cref="Read"/> or
/// <see cref="Dispose"/>. Errors of the database are <see cref="DbException"/>s.
/// </summary>
public ref struct DbQueryRun
{
    private readonly DbQuery _query;
    private DbCursor? _cursor;

    internal DbQueryRun(DbQuery query, DbCursor cursor)
    {
        _query = query;
        _cursor = cursor;
    }

    /// <summary>Binds text given as UTF-8.</summary>
    public readonly void Bind(int parameter, ReadOnlySpan<byte> utf8) => Cursor.BindText(parameter, utf8);

    /// <summary>Binds text (null binds NULL).</summary>
    public readonly void Bind(int parameter, string? value) => Cursor.BindText(parameter, value);

    public readonly void Bind(int parameter, long value) => Cursor.BindInt64(parameter, value);

    /// <summary>Moves to the next row; false when there is none.</summary>
    public readonly bool Read() => Cursor.Read();

    public readonly bool IsNull(int column) => Cursor.IsNull(column);

    /// <summary>A column as UTF-8 text (numbers in their text form; empty for NULL).</summary>
    public readonly ReadOnlySpan<byte> GetUtf8(int column) => Cursor.GetUtf8(column);

    /// <summary>A column as a string (null for NULL).</summary>
    public readonly string? GetString(int column) => Cursor.IsNull(column) ? null : Cursor.GetString(column);

    public readonly long GetInt64(int column, long fallback = 0) => Cursor.IsNull(column) ? fallback : Cursor.GetInt64(column);

    private readonly DbCursor Cursor => _cursor ?? throw new ObjectDisposedException(nameof(DbQueryRun));

    public void Dispose()
    {
        if (_cursor is null) return;
        _query.Return(_cursor);
        _cursor = null;
    }
}

/// <summary>What a backend does for one runner of a <see cref="DbQuery"/>; reused run after run.</summary>
internal abstract class DbCursor : IDisposable
{
    public abstract void BindText(int parameter, ReadOnlySpan<byte> utf8);
    public abstract void BindText(int parameter, string? value);
    public abstract void BindInt64(int parameter, long value);
    public abstract bool Read();
    public abstract bool IsNull(int column);
    public abstract ReadOnlySpan<byte> GetUtf8(int column);
    public abstract string GetString(int column);
    public abstract long GetInt64(int column);

    /// <summary>Ends the run (the read transaction with it) and forgets the arguments.</summary>
    public abstract void End();

    public abstract void Dispose();
}

/// <summary>PostgreSQL and MySQL: the query through the connection pool, one command per run.</summary>
internal sealed class PooledCursor(Database db, DbDataSource source, string sql, int parameterCount) : DbCursor
{
    private readonly object?[] _args = new object?[parameterCount];
    private DbConnection? _conn;
    private DbCommand? _cmd;
    private DbDataReader? _reader;
    private byte[] _utf8 = new byte[256];

    public override void BindText(int parameter, ReadOnlySpan<byte> utf8) => _args[parameter] = Encoding.UTF8.GetString(utf8);
    public override void BindText(int parameter, string? value) => _args[parameter] = value;
    public override void BindInt64(int parameter, long value) => _args[parameter] = value;

    public override bool Read()
    {
        if (_reader is null)
        {
            _conn = source.OpenConnection();
            _cmd = db.Command(_conn, sql, _args);
            _reader = _cmd.ExecuteReader();
        }
        return _reader.Read();
    }

    private DbDataReader Reader => _reader ?? throw new InvalidOperationException("Read first");

    public override bool IsNull(int column) => Reader.IsDBNull(column);

    public override ReadOnlySpan<byte> GetUtf8(int column)
    {
        if (Reader.IsDBNull(column)) return default;
        var s = GetString(column);
        int n = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (n > _utf8.Length) _utf8 = new byte[n];
        return _utf8.AsSpan(0, Encoding.UTF8.GetBytes(s, _utf8));
    }

    public override string GetString(int column) => Reader.GetValue(column) switch
    {
        string s => s,
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var o => o.ToString() ?? "",
    };

    public override long GetInt64(int column) => Convert.ToInt64(Reader.GetValue(column), System.Globalization.CultureInfo.InvariantCulture);

    public override void End()
    {
        _reader?.Dispose();
        _cmd?.Dispose();
        _conn?.Dispose();
        _reader = null;
        _cmd = null;
        _conn = null;
        Array.Clear(_args);
    }

    public override void Dispose() => End();
}
