namespace Osprey.Script.Ast;

/// <summary>
/// A parsed pseudo-variable: <c>$name</c>, <c>$name(inner)</c>, <c>$(name(inner)[index]{tr}...)</c>.
/// <see cref="Inner"/> is kept as text (its syntax belongs to the PV's module: "i:1", "s:x",
/// "a=>b", "table=>key"); <see cref="InnerPv"/> is set when the inner part is itself a PV
/// (<c>$hdr($var(name))</c>, <c>$sht(t=>$ci)</c> keep text; only a whole-PV inner is parsed).
/// </summary>
internal sealed record PvRef(string Name, string? Inner, PvIndex? Index, IReadOnlyList<Transformation> Transformations, string Text)
{
    public PvRef? InnerPv { get; init; }
    public override string ToString() => Text;
}

/// <summary>Index of a PV: a number (may be negative), '*' for all values, or a PV.</summary>
internal sealed record PvIndex(int? Number, bool All, PvRef? Pv);

/// <summary>A transformation <c>{class.name,arg,...}</c>.</summary>
internal sealed record Transformation(string Class, string Name, IReadOnlyList<TransformationArg> Arguments, string Text);

/// <summary>A transformation argument: literal text or a PV evaluated per message.</summary>
internal sealed record TransformationArg(string? Literal, PvRef? Pv);

/// <summary>One piece of a PV format string ("sip:$rU@$fd"): literal text or a PV.</summary>
internal sealed record FormatPart(string? Literal, PvRef? Pv);
