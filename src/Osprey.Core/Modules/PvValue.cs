namespace Osprey.Core.Modules;

/// <summary>The value of a pseudo-variable: null (undefined), an integer, or a string — the three
/// kinds Kamailio's script values take.</summary>
public readonly struct PvValue : IEquatable<PvValue>
{
    private readonly string? _s;

    private PvValue(long i, string? s, byte kind)
    {
        Int = i;
        _s = s;
        Kind = kind;
    }

    public static PvValue Null => default;
    public static PvValue FromInt(long v) => new(v, null, 1);
    public static PvValue FromString(string? v) => v is null ? default : new(0, v, 2);

    private byte Kind { get; }
    public bool IsNull => Kind == 0;
    public bool IsInt => Kind == 1;
    public bool IsString => Kind == 2;
    public long Int { get; }
    public string Str => _s ?? "";

    /// <summary>String form: integers in decimal, null as "&lt;null&gt;" (as Kamailio prints it).</summary>
    public override string ToString() => Kind switch
    {
        1 => Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => _s!,
        _ => "<null>",
    };

    public bool Equals(PvValue other) => Kind == other.Kind && Int == other.Int && string.Equals(_s, other._s, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is PvValue v && Equals(v);
    public override int GetHashCode() => HashCode.Combine(Kind, Int, _s);
    public static bool operator ==(PvValue a, PvValue b) => a.Equals(b);
    public static bool operator !=(PvValue a, PvValue b) => !a.Equals(b);
}
