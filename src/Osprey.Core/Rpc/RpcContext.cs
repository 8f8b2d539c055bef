using System.Globalization;

namespace Osprey.Core.Rpc;

/// <summary>The <see cref="IRpcContext"/> of one call.</summary>
internal sealed class RpcContext : IRpcContext
{
    private readonly IReadOnlyList<RpcParam> _params;
    private readonly RpcResult _result;

    public RpcContext(string method, IReadOnlyList<RpcParam> parameters, RpcResult result, CancellationToken aborted)
    {
        Method = method;
        _params = parameters;
        _result = result;
        Aborted = aborted;
    }

    public string Method { get; }
    public int ParamCount => _params.Count;
    public CancellationToken Aborted { get; }
    public RpcResult Result => _result;
    public bool Faulted { get; private set; }
    public int FaultCode { get; private set; }
    public string FaultMessage { get; private set; } = "";

    public RpcParam Param(int index)
    {
        if ((uint)index >= (uint)_params.Count)
            throw new RpcFaultException(RpcErrorCodes.InvalidParams, $"{Method}: missing parameter {index + 1}");
        return _params[index];
    }

    public string GetString(int index)
    {
        var p = Param(index);
        return p.Kind switch
        {
            RpcParamKind.String => p.Text!,
            RpcParamKind.Int or RpcParamKind.Double => p.ToString(),
            _ => throw WrongType(index, "a string", p),
        };
    }

    public long GetLong(int index)
    {
        var p = Param(index);
        switch (p.Kind)
        {
            case RpcParamKind.Int: return p.Integer;
            case RpcParamKind.Double when p.Real == Math.Floor(p.Real) && Math.Abs(p.Real) < 9e18: return (long)p.Real;
            case RpcParamKind.String when long.TryParse(p.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v): return v;
            default: throw WrongType(index, "an integer", p);
        }
    }

    public int GetInt(int index)
    {
        long v = GetLong(index);
        if (v is < int.MinValue or > int.MaxValue)
            throw new RpcFaultException(RpcErrorCodes.InvalidParams, $"{Method}: parameter {index + 1} is out of range");
        return (int)v;
    }

    public double GetDouble(int index)
    {
        var p = Param(index);
        switch (p.Kind)
        {
            case RpcParamKind.Int or RpcParamKind.Double: return p.Real;
            case RpcParamKind.String when double.TryParse(p.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v): return v;
            default: throw WrongType(index, "a number", p);
        }
    }

    public bool GetBool(int index)
    {
        var p = Param(index);
        switch (p.Kind)
        {
            case RpcParamKind.Bool or RpcParamKind.Int: return p.Integer != 0;
            case RpcParamKind.String:
                switch (p.Text!.ToLowerInvariant())
                {
                    case "1" or "true" or "yes" or "on": return true;
                    case "0" or "false" or "no" or "off": return false;
                }
                break;
        }
        throw WrongType(index, "a boolean", p);
    }

    public string? OptString(int index, string? fallback = null) => index < _params.Count && _params[index].Kind != RpcParamKind.Null ? GetString(index) : fallback;

    public int OptInt(int index, int fallback) => index < _params.Count && _params[index].Kind != RpcParamKind.Null ? GetInt(index) : fallback;

    private RpcFaultException WrongType(int index, string expected, RpcParam got) =>
        new(RpcErrorCodes.InvalidParams, $"{Method}: parameter {index + 1} must be {expected}, not {got.Kind.ToString().ToLowerInvariant()}");

    public void Add(string? value) { if (!Faulted) _result.AddString(0, null, value); }
    public void Add(long value) { if (!Faulted) _result.AddInt(0, null, value); }
    public void Add(int value) { if (!Faulted) _result.AddInt(0, null, value); }
    public void Add(double value) { if (!Faulted) _result.AddDouble(0, null, value); }
    public void Add(bool value) { if (!Faulted) _result.AddBool(0, null, value); }
    public void AddValue(object? value) { if (!Faulted) RpcValueWriter.Write(_result, 0, null, value); }

    public RpcStruct Struct() => new(_result, _result.Open(0, null, isStruct: true));
    public RpcArray Array() => new(_result, _result.Open(0, null, isStruct: false));

    public void Fault(int code, string message)
    {
        if (Faulted)
            return;
        Faulted = true;
        FaultCode = code;
        FaultMessage = message;
    }
}
