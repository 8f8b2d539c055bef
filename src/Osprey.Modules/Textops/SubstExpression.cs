using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Osprey.Modules.Textops;

/// <summary>
/// A sed-like substitution <c>/re/repl/flags</c> as Kamailio's subst functions take it: any delimiter
/// (the first character; escaped with a backslash inside the parts), flags <c>i</c> (ignore case),
/// <c>g</c> (every match) and <c>s</c> (the match may span lines; otherwise <c>^</c>/<c>$</c> work per
/// line and <c>.</c> stops at line ends). The replacement may hold <c>\0</c>..<c>\9</c> (the match and its
/// groups), <c>\u</c> (the Request-URI) and <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\\</c>.
/// Parsed and compiled once per distinct expression (see <see cref="ScriptRegex"/>).
/// </summary>
internal sealed class SubstExpression
{
    private const int MaxCached = 1024;
    private static readonly ConcurrentDictionary<string, SubstExpression?> Cache = new(StringComparer.Ordinal);

    private readonly Piece[] _pieces;

    private SubstExpression(Regex regex, Piece[] pieces, bool global)
    {
        Regex = regex;
        _pieces = pieces;
        Global = global;
    }

    public Regex Regex { get; }
    public bool Global { get; }

    // A literal text (Group < 0), a group reference (Group 0..9), or the Request-URI (Group == RuriRef).
    private readonly record struct Piece(string Text, int Group);

    private const int RuriRef = 100;

    /// <summary>The parsed expression, or null with <paramref name="error"/> when it is malformed.</summary>
    public static SubstExpression? Get(string expr, out string? error)
    {
        if (Cache.TryGetValue(expr, out var s))
        {
            error = s is null ? "bad substitution expression '" + expr + "'" : null;
            return s;
        }
        s = Parse(expr, out error);
        if (Cache.Count < MaxCached) Cache.TryAdd(expr, s);
        return s;
    }

    private static SubstExpression? Parse(string expr, out string? error)
    {
        error = null;
        if (expr.Length < 3) { error = "substitution expression too short: '" + expr + "'"; return null; }
        char d = expr[0];
        int i = 1;
        var re = ReadPart(expr, d, ref i);
        if (re is null) { error = "unterminated regular expression in '" + expr + "'"; return null; }
        var repl = ReadPart(expr, d, ref i);
        if (repl is null) { error = "unterminated replacement in '" + expr + "'"; return null; }
        bool global = false, icase = false, multiline = true;
        for (; i < expr.Length; i++)
        {
            switch (expr[i])
            {
                case 'g': global = true; break;
                case 'i': icase = true; break;
                case 's': multiline = false; break;
                default: error = "unknown substitution flag '" + expr[i] + "' in '" + expr + "'"; return null;
            }
        }
        var opts = (icase ? RegexOptions.IgnoreCase : RegexOptions.None) | (multiline ? RegexOptions.Multiline : RegexOptions.Singleline);
        var regex = ScriptRegex.Get(re, opts);
        if (regex is null) { error = "bad regular expression '" + re + "'"; return null; }
        var pieces = ParseReplacement(repl, regex.GetGroupNumbers().Length - 1, out error);
        if (pieces is null) return null;
        return new SubstExpression(regex, pieces, global);
    }

    // Reads up to the next unescaped delimiter; "\<delim>" becomes the delimiter, other escapes are kept
    // for the regex or the replacement parser.
    private static string? ReadPart(string s, char d, ref int i)
    {
        var sb = new StringBuilder();
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\\' && i + 1 < s.Length)
            {
                if (s[i + 1] == d) sb.Append(d);
                else sb.Append(c).Append(s[i + 1]);
                i++;
                continue;
            }
            if (c == d)
            {
                i++;
                return sb.ToString();
            }
            sb.Append(c);
        }
        return null;
    }

    private static Piece[]? ParseReplacement(string r, int groups, out string? error)
    {
        error = null;
        var pieces = new List<Piece>();
        var lit = new StringBuilder();
        for (int i = 0; i < r.Length; i++)
        {
            char c = r[i];
            if (c != '\\' || i + 1 == r.Length)
            {
                lit.Append(c);
                continue;
            }
            char e = r[++i];
            if (e is >= '0' and <= '9')
            {
                int g = e - '0';
                if (g > groups) { error = "replacement refers to \\" + e + " but the regex has " + groups + " group(s)"; return null; }
                Flush();
                pieces.Add(new Piece("", g));
                continue;
            }
            switch (e)
            {
                case 'u': Flush(); pieces.Add(new Piece("", RuriRef)); break;
                case 'n': lit.Append('\n'); break;
                case 'r': lit.Append('\r'); break;
                case 't': lit.Append('\t'); break;
                default: lit.Append(e); break;
            }
        }
        Flush();
        return [.. pieces];

        void Flush()
        {
            if (lit.Length == 0) return;
            // literals are kept as one char per UTF-8 byte, the same domain as the message text they
            // are spliced into (see Latin1), so the result encodes back to the right bytes
            pieces.Add(new Piece(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(lit.ToString())), -1));
            lit.Clear();
        }
    }

    /// <summary>Writes the replacement for <paramref name="m"/> into <paramref name="sb"/>.</summary>
    public void AppendReplacement(StringBuilder sb, Match m, string requestUri)
    {
        foreach (var p in _pieces)
        {
            if (p.Group < 0) sb.Append(p.Text);
            else if (p.Group == RuriRef) sb.Append(requestUri);
            else sb.Append(m.Groups[p.Group].ValueSpan);
        }
    }

    /// <summary>Applies the substitution to a whole string; null when nothing matched.</summary>
    public string? Apply(string input, string requestUri)
    {
        var m = Regex.Match(input);
        if (!m.Success) return null;
        var sb = new StringBuilder(input.Length + 16);
        int last = 0;
        while (m.Success)
        {
            sb.Append(input, last, m.Index - last);
            AppendReplacement(sb, m, requestUri);
            last = m.Index + m.Length;
            if (!Global) break;
            if (m.Length == 0)
            {
                // an empty match would repeat forever: copy one char and look again past it
                if (last >= input.Length) break;
                sb.Append(input[last]);
                last++;
                m = Regex.Match(input, last);
                continue;
            }
            m = m.NextMatch();
        }
        sb.Append(input, last, input.Length - last);
        return sb.ToString();
    }
}
