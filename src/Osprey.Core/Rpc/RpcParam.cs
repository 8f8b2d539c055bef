using System.Globalization;

namespace Osprey.Core.Rpc;

/// <summary>The type of an RPC parameter as the client sent it.</summary>
public enum RpcParamKind
{
    String,
    Int,
    Double,
    Bool,
    Null,

    /// <summary>A JSON object or array; <see cref="RpcParam.Text"/> holds its JSON text.</summary>
    Structured,
}

/// <summary>One positional parameter of an RPC request, as decoded from JSON-RPC or binrpc.</summary>
public readonly struct RpcParam
{
    private RpcParam(RpcParamKind kind, string? text, long integer, double real)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Real = real;
    }

    public RpcParamKind Kind { get; }

    /// <summary>The string (for <see cref="RpcParamKind.String"/>) or JSON text (for <see cref="RpcParamKind.Structured"/>).</summary>
    public string? Text { get; }
    public long Integer { get; }
    public double Real { get; }

    public static RpcParam FromString(string value) => new(RpcParamKind.String, value, 0, 0);
    public static RpcParam FromInt(long value) => new(RpcParamKind.Int, null, value, value);
    public static RpcParam FromDouble(double value) => new(RpcParamKind.Double, null, (long)value, value);
    public static RpcParam FromBool(bool value) => new(RpcParamKind.Bool, null, value ? 1 : 0, value ? 1 : 0);
    public static RpcParam Null => new(RpcParamKind.Null, null, 0, 0);
    public static RpcParam FromJson(string json) => new(RpcParamKind.Structured, json, 0, 0);

    /// <summary>The value as text, as Kamailio's scanners convert a number asked for as a string.</summary>
    public override string ToString() => Kind switch
    {
        RpcParamKind.String or RpcParamKind.Structured => Text ?? "",
        RpcParamKind.Int => Integer.ToString(CultureInfo.InvariantCulture),
        RpcParamKind.Double => Real.ToString("R", CultureInfo.InvariantCulture),
        RpcParamKind.Bool => Integer != 0 ? "true" : "false",
        _ => "",
    };
}
