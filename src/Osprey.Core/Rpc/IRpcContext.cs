namespace Osprey.Core.Rpc;

/// <summary>
/// What an RPC handler sees: the request's positional parameters, typed, and the writer for its result.
/// <para>
/// <b>Handler convention</b> (module authors follow it). A module method marked
/// <c>[Rpc("tm.stats", "Transaction counters.")]</c> has one of these shapes:
/// <list type="bullet">
/// <item><c>void TmStats(IRpcContext rpc)</c>: reads parameters with <see cref="GetString"/>,
/// <see cref="GetInt"/>, ... (a missing or wrongly typed parameter answers "invalid params" by itself),
/// and writes the result with <see cref="Add(string?)"/>, <see cref="Struct"/>, <see cref="Array"/>.
/// Values go to the client as they are written (streamed), so a dump of a million contacts never
/// sits in memory; close nested structs/arrays by disposing them (<c>using var s = rpc.Struct();</c>).</item>
/// <item><c>T Method(IRpcContext rpc)</c> or a simple signature such as <c>string Method(string aor, int expires = 3600)</c>:
/// parameters bound by position (string, int, long, double, bool; defaults make them optional), the
/// return value written as the result (scalars; dictionaries and objects as structs; sequences as arrays).</item>
/// </list>
/// Several values added at the top level become a JSON array (as Kamailio's jsonrpcs does) and several
/// top-level values in binrpc (as kamcmd prints them). To refuse a request call <see cref="Fault"/> before
/// writing any value, or throw <see cref="RpcFaultException"/>. Handlers run on a control-plane thread,
/// not on a SIP receive loop; they may block briefly but must be safe against concurrent SIP traffic.
/// </para>
/// </summary>
public interface IRpcContext
{
    /// <summary>The command's name as called.</summary>
    string Method { get; }

    /// <summary>Number of positional parameters the client sent.</summary>
    int ParamCount { get; }

    /// <summary>Raw access to a parameter (index checked).</summary>
    RpcParam Param(int index);

    /// <summary>A string parameter (a number is accepted and converted to text). Faults with invalid params when missing.</summary>
    string GetString(int index);

    /// <summary>An integer parameter (a string holding an integer is accepted). Faults with invalid params when missing or not an integer.</summary>
    int GetInt(int index);

    /// <summary>A 64-bit integer parameter.</summary>
    long GetLong(int index);

    /// <summary>A number parameter (integer or real).</summary>
    double GetDouble(int index);

    /// <summary>A boolean: true/false, or an integer (non-zero is true), or "yes"/"no"/"on"/"off"/"1"/"0".</summary>
    bool GetBool(int index);

    /// <summary>An optional string parameter.</summary>
    string? OptString(int index, string? fallback = null);

    /// <summary>An optional integer parameter (still faults when present but not an integer).</summary>
    int OptInt(int index, int fallback);

    /// <summary>Adds a top-level string value.</summary>
    void Add(string? value);
    void Add(long value);
    void Add(int value);
    void Add(double value);
    void Add(bool value);

    /// <summary>Adds any value (see <see cref="RpcStruct.AddValue"/>).</summary>
    void AddValue(object? value);

    /// <summary>Opens a top-level struct; dispose it to close it.</summary>
    RpcStruct Struct();

    /// <summary>Opens a top-level array; dispose it to close it.</summary>
    RpcArray Array();

    /// <summary>Answers with an error instead of a result (Kamailio's <c>rpc-&gt;fault</c>). Call it before adding values.</summary>
    void Fault(int code, string message);

    /// <summary>Signalled when the client went away; long dumps should stop.</summary>
    CancellationToken Aborted { get; }
}
