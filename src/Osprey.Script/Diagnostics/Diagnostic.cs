namespace Osprey.Script.Diagnostics;

/// <summary>A position in a configuration file: the real file after includes, 1-based line and column.</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public static readonly SourceLocation None = new("<none>", 0, 0);
    public override string ToString() => $"{File}:{Line}:{Column}";
}

internal enum Severity { Warning, Error }

/// <summary>
/// What kind of problem a diagnostic reports. Callers (tests, the executable) tell apart
/// "the config is wrong" from "the config is fine for Kamailio but Osprey lacks a piece".
/// </summary>
internal enum DiagnosticCode
{
    /// <summary>Preprocessor directive problem (unbalanced #!ifdef, bad #!subst, redefinition).</summary>
    Preprocessor,
    /// <summary>An include_file target that cannot be read.</summary>
    Include,
    /// <summary>Lexical or grammar error.</summary>
    Syntax,
    /// <summary>Core parameter Kamailio 5.6 does not know.</summary>
    UnknownCoreParameter,
    /// <summary>Core parameter Kamailio knows and Osprey deliberately ignores (warning).</summary>
    IgnoredCoreParameter,
    /// <summary>Core parameter whose value does not fit it (dns_retr_time = "soon").</summary>
    BadCoreParameterValue,
    /// <summary>route(NAME) to a route that is not defined.</summary>
    UndefinedRoute,
    /// <summary>Two route blocks of the same type and name.</summary>
    DuplicateRoute,
    /// <summary>Function no Kamailio 5.6 module exports.</summary>
    UnknownFunction,
    /// <summary>Function exported by a module the config does not load.</summary>
    ModuleNotLoaded,
    /// <summary>Function called with a number of arguments its module does not export.</summary>
    WrongArity,
    /// <summary>Module that does not exist in Kamailio 5.6 (removed, SER-era, misspelt).</summary>
    UnknownModule,
    /// <summary>modparam whose module pattern matches no loaded module.</summary>
    ModParamWithoutModule,
    /// <summary>Pseudo-variable that is unknown or whose module is not loaded.</summary>
    PseudoVariable,
    /// <summary>Valid for Kamailio, but the function or module is not implemented by Osprey yet.</summary>
    NotAvailableInOsprey,
    /// <summary>Anything else that is only worth a warning.</summary>
    Note,
}

/// <summary>One problem found in a configuration, printable as <c>file:line:col: message</c>.</summary>
internal sealed record Diagnostic(Severity Severity, DiagnosticCode Code, SourceLocation Location, string Message)
{
    public bool IsError => Severity == Severity.Error;

    public override string ToString() =>
        Severity == Severity.Warning ? $"{Location}: warning: {Message}" : $"{Location}: {Message}";
}

/// <summary>Collects diagnostics in the order they were found.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;
    public int ErrorCount { get; private set; }

    public void Error(DiagnosticCode code, SourceLocation at, string message)
    {
        _items.Add(new Diagnostic(Severity.Error, code, at, message));
        ErrorCount++;
    }

    public void Warning(DiagnosticCode code, SourceLocation at, string message) =>
        _items.Add(new Diagnostic(Severity.Warning, code, at, message));

    /// <summary>Forgets what was added after the first <paramref name="count"/> items (a trial compile
    /// whose errors the caller reports itself).</summary>
    public void Rollback(int count)
    {
        for (int i = _items.Count - 1; i >= count; i--)
        {
            if (_items[i].Severity == Severity.Error) ErrorCount--;
            _items.RemoveAt(i);
        }
    }
}
