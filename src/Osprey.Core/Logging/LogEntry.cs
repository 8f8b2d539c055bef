namespace Osprey.Core.Logging;

/// <summary>One log line before formatting: the Kamailio level, who wrote it (<c>core</c>, <c>script</c>
/// for xlog, or a module name), the <c>log_prefix</c> text, the message and the Call-ID when known.</summary>
public readonly record struct LogEntry(int Level, string Module, string Prefix, string Message, string? CallId = null);
