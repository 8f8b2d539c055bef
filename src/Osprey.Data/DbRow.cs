using System.Globalization;

namespace Osprey.Data;

/// <summary>One result row: values in the order of the selected columns, normalised across backends
/// (integers as long, reals as double, text as string, timestamps as <see cref="DateTime"/> when read
/// with <see cref="GetDateTime"/>).</summary>
public sealed class DbRow
{
    private readonly object?[] _values;

    internal DbRow(object?[] values) => _values = values;

    public int Count => _values.Length;

    public object? this[int i] => _values[i];

    public bool IsNull(int i) => _values[i] is null;

    public string? GetString(int i) => _values[i] switch
    {
        null => null,
        string s => s,
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var o => o.ToString(),
    };

    public long GetInt64(int i, long fallback = 0) => _values[i] switch
    {
        null => fallback,
        long l => l,
        int n => n,
        short s => s,
        uint u => u,
        ulong ul => (long)ul,
        decimal m => (long)m,
        double d => (long)d,
        float f => (long)f,
        bool b => b ? 1 : 0,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) => v,
        _ => fallback,
    };

    public double GetDouble(int i, double fallback = 0) => _values[i] switch
    {
        null => fallback,
        double d => d,
        float f => f,
        decimal m => (double)m,
        long l => l,
        int n => n,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => fallback,
    };

    /// <summary>A timestamp column (stored as text by SQLite, natively by the others). Kind is Unspecified:
    /// Osprey writes UTC.</summary>
    public DateTime GetDateTime(int i, DateTime fallback = default) => _values[i] switch
    {
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Unspecified),
        DateTimeOffset o => o.UtcDateTime,
        string s when DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var v) => DateTime.SpecifyKind(v, DateTimeKind.Unspecified),
        long l => DateTime.UnixEpoch.AddSeconds(l),
        _ => fallback,
    };
}
