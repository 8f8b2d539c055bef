using System.Collections.Concurrent;
using System.Data.Common;
using Osprey.Data;

namespace Osprey.Modules.Acc;

/// <summary>One accounting row: the table, and the values of <see cref="Columns"/> in order.</summary>
internal sealed record AccRow(string Table, string[] Columns, object?[] Values);

/// <summary>
/// Writes acc rows to the database on its own thread, so no SIP thread waits for the database
/// (ARCHITECTURE.md: write-behind). A row is queued while its transaction still exists, with every value
/// already taken from the transaction; the writer inserts queued rows in batches, one database
/// transaction per batch. When the database fails, the batch is kept and retried every second; nothing is
/// dropped unless the queue passes <see cref="MaxQueued"/> rows. <see cref="Flush"/> (called at shutdown)
/// waits until every queued row is written.
/// </summary>
internal sealed class AccDbWriter : IDisposable
{
    private const int BatchSize = 256;

    private readonly Database _db;
    private readonly ConcurrentQueue<AccRow> _queue = new();
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _thread;
    private readonly Action<string> _log;
    private long _pending;
    private volatile bool _stopping;

    public AccDbWriter(Database db, Action<string> log)
    {
        _db = db;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "osprey-acc-db" };
        _thread.Start();
    }

    /// <summary>Rows queued beyond this are dropped (and counted): memory stays bounded while the database is down.</summary>
    public int MaxQueued { get; init; } = 1_000_000;

    /// <summary>Rows queued or being written.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public long Written;
    public long Dropped;
    public long Failures;

    public void Enqueue(AccRow row)
    {
        if (Interlocked.Increment(ref _pending) > MaxQueued)
        {
            Interlocked.Decrement(ref _pending);
            if (Interlocked.Increment(ref Dropped) == 1) _log("acc: database queue full (" + MaxQueued + " rows): accounting rows are being dropped");
            return;
        }
        _queue.Enqueue(row);
        _signal.Set();
    }

    /// <summary>Waits until every queued row is written or <paramref name="timeout"/> passes; true when none is left.</summary>
    public bool WaitWritten(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Pending > 0)
        {
            if (DateTime.UtcNow >= deadline) return false;
            _signal.Set();
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Shutdown: writes what is queued (waiting at most <paramref name="timeout"/>), then stops the thread.</summary>
    public bool Flush(TimeSpan timeout)
    {
        bool done = WaitWritten(timeout);
        _stopping = true;
        _signal.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        if (!done) _log("acc: " + Pending + " accounting row(s) could not be written to " + _db.Url.Display + " before shutdown");
        return done;
    }

    private void Run()
    {
        var batch = new List<AccRow>(BatchSize);
        bool failing = false;
        while (true)
        {
            if (batch.Count == 0)
            {
                while (batch.Count < BatchSize && _queue.TryDequeue(out var r)) batch.Add(r);
            }
            if (batch.Count == 0)
            {
                if (_stopping) return;
                _signal.WaitOne(1000);
                continue;
            }
            try
            {
                _db.InTransaction(tx =>
                {
                    foreach (var row in batch)
                    {
                        var fields = new DbField[row.Columns.Length];
                        for (int i = 0; i < fields.Length; i++) fields[i] = new DbField(row.Columns[i], row.Values[i]);
                        tx.Insert(row.Table, fields);
                    }
                });
                Interlocked.Add(ref Written, batch.Count);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
                if (failing) _log("acc: writing accounting rows to " + _db.Url.Display + " again");
                failing = false;
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                // the database is down or refuses the rows: keep the batch, say so once, retry
                Interlocked.Increment(ref Failures);
                if (!failing) _log("acc: cannot write accounting rows to " + _db.Url.Display + " (kept, retrying every second): " + ex.Message);
                failing = true;
                if (_stopping) return;
                _signal.WaitOne(1000);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _signal.Dispose();
        _db.Dispose();
    }
}
