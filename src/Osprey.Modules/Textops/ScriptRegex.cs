using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Osprey.Modules.Textops;

/// <summary>
/// Regular expressions of script arguments, compiled once per distinct pattern and kept (the
/// equivalent of Kamailio compiling a literal regex in its fixup). A literal pattern is compiled on
/// its first use and every later call reuses it; a pattern built from variables is cached the same
/// way, bounded so a script that builds a new pattern per message cannot grow memory without end
/// (past the bound, new patterns are interpreted, not compiled to IL, and not kept).
/// Patterns are POSIX extended syntax in Kamailio; .NET syntax is a superset for what scripts use, and
/// the POSIX bracket classes (<c>[[:digit:]]</c>, ...) are translated.
/// </summary>
internal static class ScriptRegex
{
    private const int MaxCached = 2048;
    private static readonly ConcurrentDictionary<(string, RegexOptions), Regex?> Cache = new();

    /// <summary>Kamailio compiles search/replace patterns with REG_EXTENDED|REG_ICASE|REG_NEWLINE.</summary>
    public const RegexOptions SearchOptions = RegexOptions.IgnoreCase | RegexOptions.Multiline;

    /// <summary>The compiled regex, or null when the pattern is not a valid regular expression.</summary>
    public static Regex? Get(string pattern, RegexOptions options)
    {
        if (Cache.TryGetValue((pattern, options), out var re)) return re;
        if (Cache.Count >= MaxCached) return Compile(pattern, options, compiled: false);
        re = Compile(pattern, options, compiled: true);
        Cache.TryAdd((pattern, options), re);
        return re;
    }

    // Matching runs over text a remote peer chose, so patterns use the non-backtracking engine (linear
    // time, like the POSIX matcher Kamailio uses: no pattern can be made to take exponential time).
    // Patterns it cannot run (back-references, lookarounds: not POSIX ERE anyway) fall back to the
    // backtracking engine with a match timeout; a timeout surfaces as the pipeline's internal error for
    // that one message instead of a receive thread stuck for ever.
    private static readonly TimeSpan FallbackTimeout = TimeSpan.FromSeconds(1);

    private static Regex? Compile(string pattern, RegexOptions options, bool compiled)
    {
        var text = TranslatePosix(pattern);
        var common = options | RegexOptions.CultureInvariant;
        try
        {
            return new Regex(text, common | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            // fall through to the backtracking engine
        }
        catch (ArgumentException)
        {
            return null; // a user's bad pattern: reported to the caller as "no regex", once per pattern
        }
        try
        {
            return new Regex(text, common | (compiled ? RegexOptions.Compiled : RegexOptions.None), FallbackTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string TranslatePosix(string p)
    {
        if (!p.Contains("[:", StringComparison.Ordinal)) return p;
        return p.Replace("[:digit:]", "0-9", StringComparison.Ordinal)
            .Replace("[:alpha:]", "a-zA-Z", StringComparison.Ordinal)
            .Replace("[:alnum:]", "a-zA-Z0-9", StringComparison.Ordinal)
            .Replace("[:upper:]", "A-Z", StringComparison.Ordinal)
            .Replace("[:lower:]", "a-z", StringComparison.Ordinal)
            .Replace("[:xdigit:]", "0-9A-Fa-f", StringComparison.Ordinal)
            .Replace("[:space:]", "\\s", StringComparison.Ordinal)
            .Replace("[:blank:]", " \\t", StringComparison.Ordinal)
            .Replace("[:punct:]", "!-/:-@\\[-`{-~", StringComparison.Ordinal);
    }
}
