using System.Text;
using System.Text.RegularExpressions;
using Osprey.Script.Diagnostics;

namespace Osprey.Script.Syntax;

/// <summary>How '$name' is read: Kamailio mode ('#!KAMAILIO'), SER mode, or the default mixed mode.</summary>
internal enum CompatibilityMode { MaxCompat, Kamailio, Ser }

/// <summary>Result of preprocessing: the token stream for the parser and the text for --cfg-print.</summary>
internal sealed record PreprocessedConfig(
    IReadOnlyList<Token> Tokens,
    string PrintedText,
    IReadOnlyDictionary<string, string?> Defines,
    CompatibilityMode Mode);

/// <summary>
/// Kamailio 5.6's preprocessor. Kamailio runs directives inside its lexer, so they work anywhere,
/// even inside route blocks; we do the same on the scanner's output: conditionals, defines
/// (applied to identifier tokens only), substitutions (applied to strings, PVs and include paths),
/// include_file/import_file, and MOD_name after each loadmodule.
/// </summary>
internal sealed class Preprocessor
{
    private const int MaxIncludeDepth = 10;
    private const int MaxConditionalDepth = 512;
    private const int MaxExpansionDepth = 32;

    private readonly Dictionary<string, string?> _defines = new(StringComparer.Ordinal);
    private readonly List<(Regex Pattern, string Replacement, bool Global)> _substitutions = [];
    private readonly List<Token> _tokens = [];
    private readonly StringBuilder _printed = new();
    private readonly DiagnosticBag _diagnostics;
    private readonly Stack<Conditional> _conditionals = new();
    private CompatibilityMode _mode = CompatibilityMode.MaxCompat;
    private int _nextFileId;
    private Token? _pendingInclude;
    private bool _afterLoadModule;

    private sealed class Conditional(bool parentActive, bool taken, SourceLocation at)
    {
        public bool ParentActive { get; } = parentActive;
        public bool Taken { get; set; } = taken;
        public bool SawElse { get; set; }
        public SourceLocation At { get; } = at;
    }

    public Preprocessor(DiagnosticBag diagnostics, IReadOnlyDictionary<string, string?> commandLineDefines)
    {
        _diagnostics = diagnostics;
        // Names Kamailio 5.6.3 defines before reading the config.
        foreach (var name in new[] { "KAMAILIO_5", "KAMAILIO_5_6", "KAMAILIO_5_6_3" }) _defines[name] = null;
        foreach (var (name, value) in commandLineDefines) _defines[name] = string.IsNullOrEmpty(value) ? null : value;
    }

    private bool Active => _conditionals.Count == 0 || (_conditionals.Peek().ParentActive && _conditionals.Peek().Taken);

    /// <summary>Preprocesses <paramref name="file"/> and everything it includes.</summary>
    public PreprocessedConfig Run(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var at = new SourceLocation(file, 1, 1);
            _diagnostics.Error(DiagnosticCode.Include, at, $"cannot read config file: {e.Message}");
            return new PreprocessedConfig([new Token(TokenKind.EndOfFile, "", at, -1, 0, 0)], "", _defines, _mode);
        }
        ProcessFile(file, text, depth: 0);
        if (_conditionals.Count > 0)
        {
            _diagnostics.Error(DiagnosticCode.Preprocessor, _conditionals.Peek().At, "#!ifdef/#!ifndef without a matching #!endif");
        }
        var eofAt = _tokens.Count > 0 ? _tokens[^1].Location : new SourceLocation(file, 1, 1);
        _tokens.Add(new Token(TokenKind.EndOfFile, "", eofAt, -1, int.MaxValue, int.MaxValue));
        return new PreprocessedConfig(_tokens, _printed.ToString(), _defines, _mode);
    }

    private void ProcessFile(string displayName, string text, int depth)
    {
        var scanner = new Scanner(displayName, _nextFileId++, text, _diagnostics);
        var printedUpTo = 0;
        while (true)
        {
            if (!Active)
            {
                var skipped = scanner.SkipToConditional();
                if (skipped == null) break;
                HandleDirective(scanner, skipped, depth);
                printedUpTo = skipped.End;
                continue;
            }
            var token = scanner.Next(out var directive);
            if (directive != null)
            {
                Print(text, printedUpTo, directive.Start);
                printedUpTo = directive.Start;
                var keep = HandleDirective(scanner, directive, depth);
                if (!keep) printedUpTo = directive.End;
                continue;
            }
            if (token.Kind == TokenKind.EndOfFile) break;

            if (_pendingInclude is { } includeWord)
            {
                _pendingInclude = null;
                if (token.Kind != TokenKind.String)
                {
                    _diagnostics.Error(DiagnosticCode.Syntax, token.Location, $"{includeWord.Text} expects a quoted file name");
                }
                else
                {
                    Print(text, printedUpTo, includeWord.Start);
                    Include(scanner, includeWord.Text == "import_file", ApplySubstitutions(token.Text), token.Location, depth);
                    printedUpTo = token.End;
                    continue;
                }
            }
            if (token.Kind == TokenKind.Identifier && token.Text is "include_file" or "import_file")
            {
                _pendingInclude = token;
                continue;
            }
            Emit(token, 0);
        }
        Print(text, printedUpTo, text.Length);
        if (_pendingInclude != null)
        {
            _diagnostics.Error(DiagnosticCode.Syntax, _pendingInclude.Location, $"{_pendingInclude.Text} expects a quoted file name");
            _pendingInclude = null;
        }
    }

    private void Print(string text, int from, int to)
    {
        if (to > from) _printed.Append(text, from, to - from);
    }

    /// <summary>Adds a token to the output, expanding defines and applying substitutions.</summary>
    private void Emit(Token token, int expansionDepth)
    {
        if (token.Kind == TokenKind.Identifier && _defines.TryGetValue(token.Text, out var value))
        {
            if (expansionDepth >= MaxExpansionDepth)
            {
                _diagnostics.Error(DiagnosticCode.Preprocessor, token.Location, $"define '{token.Text}' expands recursively");
                return;
            }
            if (string.IsNullOrEmpty(value)) return;
            // Re-lex the value; the tokens keep the position of the name they replace.
            var sub = new Scanner(token.Location.File, token.FileId, value, _diagnostics);
            while (true)
            {
                var t = sub.Next(out var directive);
                if (directive != null) continue;
                if (t.Kind == TokenKind.EndOfFile) break;
                Emit(t with { Location = token.Location, Start = token.Start, End = token.End, FromDefine = true }, expansionDepth + 1);
            }
            return;
        }
        if (token.Kind is TokenKind.String or TokenKind.PseudoVariable && _substitutions.Count > 0)
        {
            token = token with { Text = ApplySubstitutions(token.Text) };
        }
        if (_afterLoadModule)
        {
            _afterLoadModule = false;
            if (token.Kind == TokenKind.String)
            {
                var name = ModuleNameOf(token.Text);
                _defines.TryAdd("MOD_" + name, null);
            }
        }
        if (token.Kind == TokenKind.Identifier && token.Text is "loadmodule" or "loadmodulex") _afterLoadModule = true;
        _tokens.Add(token);
    }

    /// <summary>Module name of a loadmodule argument: basename without ".so".</summary>
    internal static string ModuleNameOf(string path)
    {
        var name = path;
        var slash = name.LastIndexOf('/');
        if (slash >= 0) name = name[(slash + 1)..];
        if (name.EndsWith(".so", StringComparison.Ordinal)) name = name[..^3];
        return name;
    }

    private string ApplySubstitutions(string text)
    {
        foreach (var (pattern, replacement, global) in _substitutions)
        {
            text = global ? pattern.Replace(text, replacement) : pattern.Replace(text, replacement, 1);
        }
        return text;
    }

    private void Include(Scanner from, bool optional, string path, SourceLocation at, int depth)
    {
        if (depth + 1 > MaxIncludeDepth)
        {
            _diagnostics.Error(DiagnosticCode.Include, at, $"too many nested includes (max {MaxIncludeDepth})");
            return;
        }
        // As Kamailio: the path as given (relative to the current directory), then relative to
        // the directory of the including file.
        string? resolved = null;
        if (File.Exists(path)) resolved = path;
        else if (!Path.IsPathRooted(path))
        {
            var dir = Path.GetDirectoryName(from.File);
            var candidate = string.IsNullOrEmpty(dir) ? path : Path.Combine(dir, path);
            if (File.Exists(candidate)) resolved = candidate;
        }
        if (resolved == null)
        {
            if (!optional) _diagnostics.Error(DiagnosticCode.Include, at, $"cannot find included file '{path}'");
            return;
        }
        string text;
        try
        {
            text = File.ReadAllText(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _diagnostics.Error(DiagnosticCode.Include, at, $"cannot read included file '{resolved}': {e.Message}");
            return;
        }
        ProcessFile(resolved, text, depth + 1);
    }

    /// <summary>Handles one directive; returns true when --cfg-print keeps its line.</summary>
    private bool HandleDirective(Scanner scanner, Directive d, int depth)
    {
        switch (d.Word)
        {
            case "ifdef":
            case "ifndef":
            {
                if (_conditionals.Count >= MaxConditionalDepth)
                {
                    _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word} nested too deep (max {MaxConditionalDepth})");
                    return false;
                }
                var name = FirstWord(d.Argument);
                if (name.Length == 0) _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word} needs a name");
                var defined = _defines.ContainsKey(name);
                _conditionals.Push(new Conditional(Active, d.Word == "ifdef" ? defined : !defined, d.Location));
                return false;
            }
            case "else":
                if (_conditionals.Count == 0 || _conditionals.Peek().SawElse)
                {
                    _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, "#!else without a matching #!ifdef");
                    return false;
                }
                _conditionals.Peek().Taken = !_conditionals.Peek().Taken;
                _conditionals.Peek().SawElse = true;
                return false;
            case "endif":
                if (_conditionals.Count == 0)
                {
                    _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, "#!endif without a matching #!ifdef");
                    return false;
                }
                _conditionals.Pop();
                return false;
        }

        switch (d.Word)
        {
            case "KAMAILIO" or "OPENSER": _mode = CompatibilityMode.Kamailio; break;
            case "SER": _mode = CompatibilityMode.Ser; break;
            case "MAXCOMPAT" or "ALL": _mode = CompatibilityMode.MaxCompat; break;
            case "define": Define(d, DefineMode.New); break;
            case "trydef" or "trydefine": Define(d, DefineMode.IfAbsent); break;
            case "redefine" or "redef": Define(d, DefineMode.Replace); break;
            case "subst": Subst(d, define: false, quote: false); break;
            case "substdef": Subst(d, define: true, quote: false); break;
            case "substdefs": Subst(d, define: true, quote: true); break;
            case "defenv" or "defenvs" or "trydefenv" or "trydefenvs": DefineFromEnvironment(d); break;
            case "include_file" or "import_file":
            {
                var arg = d.Argument;
                if (arg.Length < 2 || arg[0] != '"' || arg[^1] != '"')
                {
                    _diagnostics.Error(DiagnosticCode.Syntax, d.Location, $"#!{d.Word} expects a quoted file name");
                    return false;
                }
                Include(scanner, d.Word == "import_file", ApplySubstitutions(arg[1..^1]), d.Location, depth);
                return false;
            }
        }
        return true;
    }

    private enum DefineMode { New, IfAbsent, Replace }

    private static string FirstWord(string s)
    {
        var i = 0;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
        return s[..i];
    }

    private void Define(Directive d, DefineMode mode)
    {
        var name = FirstWord(d.Argument);
        if (name.Length == 0)
        {
            _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word} needs a name");
            return;
        }
        // '#!define N(x) v' is not a macro in 5.6: the value is everything after the name.
        var value = d.Argument[name.Length..].Trim();
        SetDefine(d, name, value.Length == 0 ? null : value, mode);
    }

    private void SetDefine(Directive d, string name, string? value, DefineMode mode)
    {
        if (_defines.ContainsKey(name))
        {
            if (mode == DefineMode.IfAbsent) return;
            if (mode == DefineMode.New)
            {
                _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"'{name}' is already defined (use #!redefine to change it)");
                return;
            }
        }
        _defines[name] = value;
    }

    private void DefineFromEnvironment(Directive d)
    {
        var arg = d.Argument;
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        var name = (eq < 0 ? arg : arg[..eq]).Trim();
        var variable = (eq < 0 ? arg : arg[(eq + 1)..]).Trim();
        var value = Environment.GetEnvironmentVariable(variable);
        if (value == null)
        {
            if (!d.Word.StartsWith("try", StringComparison.Ordinal))
            {
                _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"environment variable '{variable}' is not set");
            }
            return;
        }
        if (d.Word.EndsWith('s')) value = "\"" + value + "\"";
        SetDefine(d, name, value, DefineMode.New);
    }

    /// <summary>Parses a sed-like "/re/repl/flags" (any separator) argument.</summary>
    private void Subst(Directive d, bool define, bool quote)
    {
        var arg = d.Argument;
        if (arg.Length >= 2 && arg[0] == '"' && arg[^1] == '"') arg = arg[1..^1];
        if (arg.Length < 3)
        {
            _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word} expects \"/regex/replacement/flags\"");
            return;
        }
        var separator = arg[0];
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 1; i < arg.Length; i++)
        {
            if (arg[i] == '\\' && i + 1 < arg.Length && arg[i + 1] == separator)
            {
                current.Append(separator);
                i++;
                continue;
            }
            if (arg[i] == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(arg[i]);
        }
        parts.Add(current.ToString());
        if (parts.Count != 3)
        {
            _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word} expects \"{separator}regex{separator}replacement{separator}flags\"");
            return;
        }
        var (pattern, replacement, flags) = (parts[0], parts[1], parts[2]);
        Regex regex;
        try
        {
            regex = new Regex(pattern, flags.Contains('i', StringComparison.Ordinal) ? RegexOptions.IgnoreCase : RegexOptions.None);
        }
        catch (ArgumentException e)
        {
            _diagnostics.Error(DiagnosticCode.Preprocessor, d.Location, $"#!{d.Word}: invalid regular expression: {e.Message}");
            return;
        }
        // sed back-references \1..\9 become .NET's ${1}; a literal '$' must be doubled.
        var dotnetReplacement = Regex.Replace(replacement.Replace("$", "$$", StringComparison.Ordinal), @"\\([0-9])", "$${$1}");
        _substitutions.Add((regex, dotnetReplacement, flags.Contains('g', StringComparison.Ordinal)));
        if (define)
        {
            SetDefine(d, pattern, quote ? "\"" + replacement + "\"" : replacement, DefineMode.New);
        }
    }
}
