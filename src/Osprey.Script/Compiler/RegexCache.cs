using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Osprey.Script.Compiler;

/// <summary>
/// Regexes for '=~' and 'case /': POSIX extended, case-insensitive, unanchored, as Kamailio does.
/// Constant patterns are compiled once at script compile time; dynamic ones are cached by text.
/// </summary>
internal static class RegexCache
{
    private static readonly ConcurrentDictionary<string, Regex?> Cache = new(StringComparer.Ordinal);

    public static Regex? Get(string pattern)
    {
        if (Cache.TryGetValue(pattern, out var r)) return r;
        if (Cache.Count > 1000) Cache.Clear();
        return Cache.GetOrAdd(pattern, p => TryCreate(p, out _));
    }

    public static Regex? TryCreate(string pattern, out string? error)
    {
        error = null;
        // Linear-time matching: the subject is message text an attacker chooses, so no backtracking blow-ups.
        // Patterns it cannot run (back-references) fall back to the backtracking engine with a time limit.
        try
        {
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
        try
        {
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }
    }
}
