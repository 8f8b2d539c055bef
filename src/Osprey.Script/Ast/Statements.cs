using Osprey.Script.Diagnostics;

namespace Osprey.Script.Ast;

internal abstract record Stmt(SourceLocation Location);

internal sealed record BlockStmt(IReadOnlyList<Stmt> Statements, SourceLocation Location) : Stmt(Location);

internal sealed record IfStmt(Expr Condition, Stmt Then, Stmt? Else, SourceLocation Location) : Stmt(Location);

/// <summary>switch: cases fall through until break, as in C.</summary>
internal sealed record SwitchStmt(Expr Value, IReadOnlyList<SwitchCase> Cases, SourceLocation Location) : Stmt(Location);

/// <summary>One label and the statements after it. <see cref="Label"/> is null for default; <see cref="IsRegex"/> for 'case /"re":'.</summary>
internal sealed record SwitchCase(Expr? Label, bool IsRegex, IReadOnlyList<Stmt> Body, SourceLocation Location);

internal sealed record WhileStmt(Expr Condition, Stmt Body, SourceLocation Location) : Stmt(Location);

internal sealed record BreakStmt(SourceLocation Location) : Stmt(Location);

/// <summary>return [expr]: leaves the current route (return 0 ends the script).</summary>
internal sealed record ReturnStmt(Expr? Value, SourceLocation Location) : Stmt(Location);

/// <summary>exit [expr]: ends the script.</summary>
internal sealed record ExitStmt(Expr? Value, SourceLocation Location) : Stmt(Location);

/// <summary>drop: ends the script and discards the message/branch/reply depending on the route type.</summary>
internal sealed record DropStmt(SourceLocation Location) : Stmt(Location);

internal sealed record AssignStmt(PvExpr Target, AssignOp Op, Expr Value, SourceLocation Location) : Stmt(Location);

/// <summary>A function or route() call used as a statement.</summary>
internal sealed record ExprStmt(Expr Expression, SourceLocation Location) : Stmt(Location);

/// <summary>A lone ';'.</summary>
internal sealed record EmptyStmt(SourceLocation Location) : Stmt(Location);

internal enum AssignOp { Assign, ColonAssign, AddAssign }
