using System.Globalization;
using System.Text;
using Osprey.Script.Ast;

namespace Osprey.Script.Syntax;

/// <summary>
/// Parses pseudo-variable text into <see cref="PvRef"/> and PV format strings into parts.
/// Errors are returned as messages; the caller attaches the location.
/// </summary>
internal static class PvParser
{
    /// <summary>Parses a whole PV token such as "$avp(i:1)" or "$(hdr(X)[-1]{s.len})".</summary>
    public static PvRef? Parse(string text, out string? error)
    {
        var pos = 0;
        var pv = ParseAt(text, ref pos, out error);
        if (pv != null && pos != text.Length)
        {
            error = $"unexpected '{text[pos..]}' after pseudo-variable '{text[..pos]}'";
            return null;
        }
        return pv;
    }

    /// <summary>Parses one PV starting at text[pos] == '$'; advances pos past it.</summary>
    public static PvRef? ParseAt(string text, ref int pos, out string? error)
    {
        error = null;
        var start = pos;
        if (pos >= text.Length || text[pos] != '$')
        {
            error = "pseudo-variable must start with '$'";
            return null;
        }
        pos++;
        if (pos < text.Length && text[pos] == '(')
        {
            // Full form: $(name(inner)[index]{tr}...)
            pos++;
            var inner = ParseNameInnerIndex(text, ref pos, out error);
            if (inner == null) return null;
            var transformations = new List<Transformation>();
            while (pos < text.Length && text[pos] == '{')
            {
                var tr = ParseTransformation(text, ref pos, out error);
                if (tr == null) return null;
                transformations.Add(tr);
            }
            if (pos >= text.Length || text[pos] != ')')
            {
                error = $"expected ')' to close pseudo-variable '{text[start..Math.Min(pos, text.Length)]}'";
                return null;
            }
            pos++;
            return inner with { Transformations = transformations, Text = text[start..pos] };
        }
        if (pos < text.Length && text[pos] == '?')
        {
            pos++;
            return new PvRef("?", null, null, [], "$?");
        }
        var pv = ParseNameInnerIndex(text, ref pos, out error);
        return pv == null ? null : pv with { Text = text[start..pos] };
    }

    private static PvRef? ParseNameInnerIndex(string text, ref int pos, out string? error)
    {
        error = null;
        var nameStart = pos;
        while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
        if (pos == nameStart)
        {
            error = "missing pseudo-variable name after '$'";
            return null;
        }
        var name = text[nameStart..pos];
        string? inner = null;
        PvRef? innerPv = null;
        if (pos < text.Length && text[pos] == '(')
        {
            var close = FindClose(text, pos, '(', ')');
            if (close < 0)
            {
                error = $"unbalanced '(' in pseudo-variable '${name}'";
                return null;
            }
            inner = text[(pos + 1)..close];
            pos = close + 1;
            if (inner.StartsWith('$'))
            {
                innerPv = Parse(inner, out _);
            }
        }
        PvIndex? index = null;
        if (pos < text.Length && text[pos] == '[')
        {
            var close = FindClose(text, pos, '[', ']');
            if (close < 0)
            {
                error = $"unbalanced '[' in pseudo-variable '${name}'";
                return null;
            }
            var idx = text[(pos + 1)..close].Trim();
            pos = close + 1;
            if (idx == "*") index = new PvIndex(null, true, null);
            else if (int.TryParse(idx, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) index = new PvIndex(n, false, null);
            else if (idx.StartsWith('$'))
            {
                var ipv = Parse(idx, out error);
                if (ipv == null) return null;
                index = new PvIndex(null, false, ipv);
            }
            else
            {
                error = $"invalid index '[{idx}]' in pseudo-variable '${name}'";
                return null;
            }
        }
        return new PvRef(name, inner, index, [], "") { InnerPv = innerPv };
    }

    private static int FindClose(string text, int openAt, char open, char close)
    {
        var depth = 0;
        for (var i = openAt; i < text.Length; i++)
        {
            if (text[i] == open) depth++;
            else if (text[i] == close && --depth == 0) return i;
        }
        return -1;
    }

    private static Transformation? ParseTransformation(string text, ref int pos, out string? error)
    {
        error = null;
        var start = pos;
        var close = FindClose(text, pos, '{', '}');
        if (close < 0)
        {
            error = "unbalanced '{' in transformation";
            return null;
        }
        var body = text[(pos + 1)..close];
        pos = close + 1;
        // Split on top-level commas; '\,' is a literal comma; PVs inside arguments keep their commas.
        var pieces = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\\' && i + 1 < body.Length && body[i + 1] == ',') { current.Append(','); i++; continue; }
            if (c is '(' or '{' or '[') depth++;
            else if (c is ')' or '}' or ']') depth--;
            if (c == ',' && depth == 0) { pieces.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        pieces.Add(current.ToString());
        var head = pieces[0].Trim();
        var dot = head.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == head.Length - 1)
        {
            error = $"invalid transformation '{{{body}}}': expected {{class.name[,arguments]}}";
            return null;
        }
        var args = new List<TransformationArg>();
        foreach (var piece in pieces.Skip(1))
        {
            if (piece.StartsWith('$') && piece != "$")
            {
                var p = Parse(piece, out var perr);
                if (p != null) { args.Add(new TransformationArg(null, p)); continue; }
                _ = perr; // not a PV after all (e.g. a regex anchor): keep it as text
            }
            args.Add(new TransformationArg(piece, null));
        }
        return new Transformation(head[..dot], head[(dot + 1)..], args, text[start..pos]);
    }

    /// <summary>
    /// Splits a PV format string ("sip:$rU@$fd") into literal and PV parts. "$$" is a literal '$';
    /// any other '$' must start a valid PV, as in Kamailio's format strings.
    /// </summary>
    public static IReadOnlyList<FormatPart>? ParseFormat(string text, out string? error)
    {
        error = null;
        var parts = new List<FormatPart>();
        var literal = new StringBuilder();
        var pos = 0;
        while (pos < text.Length)
        {
            var c = text[pos];
            if (c != '$') { literal.Append(c); pos++; continue; }
            if (pos + 1 < text.Length && text[pos + 1] == '$') { literal.Append('$'); pos += 2; continue; }
            if (literal.Length > 0) { parts.Add(new FormatPart(literal.ToString(), null)); literal.Clear(); }
            var pv = ParseAt(text, ref pos, out error);
            if (pv == null) return null;
            parts.Add(new FormatPart(null, pv));
        }
        if (literal.Length > 0) parts.Add(new FormatPart(literal.ToString(), null));
        return parts;
    }
}
