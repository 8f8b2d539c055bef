namespace Osprey.Sip.Digest;

/// <summary>Digest algorithms (RFC 7616 §6.1, RFC 8760 §2 for SIP).</summary>
public enum DigestAlgorithm
{
    /// <summary>An algorithm token we do not implement; reject such credentials.</summary>
    Unknown = 0,
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
    Sha512_256,
    Sha512_256Sess,
}

/// <summary>Quality of protection (RFC 7616 §3.3, RFC 2617 §3.2.1).</summary>
[Flags]
public enum DigestQop
{
    None = 0,
    Auth = 1,
    AuthInt = 2,
}

/// <summary>Token forms of <see cref="DigestAlgorithm"/> and <see cref="DigestQop"/>.</summary>
public static class DigestTokens
{
    /// <summary>Maps an algorithm token (case-insensitive, RFC 7616 §3.3); absent means MD5 (RFC 2617 §3.2.1).</summary>
    public static DigestAlgorithm ParseAlgorithm(ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty || token.EqualsIgnoreCase("MD5"u8))
        {
            return DigestAlgorithm.Md5;
        }

        if (token.EqualsIgnoreCase("MD5-sess"u8))
        {
            return DigestAlgorithm.Md5Sess;
        }

        if (token.EqualsIgnoreCase("SHA-256"u8))
        {
            return DigestAlgorithm.Sha256;
        }

        if (token.EqualsIgnoreCase("SHA-256-sess"u8))
        {
            return DigestAlgorithm.Sha256Sess;
        }

        if (token.EqualsIgnoreCase("SHA-512-256"u8))
        {
            return DigestAlgorithm.Sha512_256;
        }

        return token.EqualsIgnoreCase("SHA-512-256-sess"u8) ? DigestAlgorithm.Sha512_256Sess : DigestAlgorithm.Unknown;
    }

    /// <summary>The token written in challenges, e.g. <c>SHA-256</c>.</summary>
    public static ReadOnlySpan<byte> AlgorithmToken(DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Md5 => "MD5"u8,
        DigestAlgorithm.Md5Sess => "MD5-sess"u8,
        DigestAlgorithm.Sha256 => "SHA-256"u8,
        DigestAlgorithm.Sha256Sess => "SHA-256-sess"u8,
        DigestAlgorithm.Sha512_256 => "SHA-512-256"u8,
        DigestAlgorithm.Sha512_256Sess => "SHA-512-256-sess"u8,
        _ => default,
    };

    /// <summary>Parses one qop token; unknown tokens give <see cref="DigestQop.None"/>.</summary>
    public static DigestQop ParseQop(ReadOnlySpan<byte> token)
    {
        if (token.EqualsIgnoreCase("auth"u8))
        {
            return DigestQop.Auth;
        }

        return token.EqualsIgnoreCase("auth-int"u8) ? DigestQop.AuthInt : DigestQop.None;
    }

    internal static bool IsSession(DigestAlgorithm algorithm)
        => algorithm is DigestAlgorithm.Md5Sess or DigestAlgorithm.Sha256Sess or DigestAlgorithm.Sha512_256Sess;

    internal static bool EqualsIgnoreCase(this ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        => System.Text.Ascii.EqualsIgnoreCase(a, b);
}
