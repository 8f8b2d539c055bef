namespace Osprey.Sip.Digest;

/// <summary>
/// An <c>Authorization</c> or <c>Proxy-Authorization</c> value (RFC 3261 §22.4/§25.1,
/// RFC 7616 §3.4). Spans point into the parsed header value; quoted values have their quotes
/// removed but keep backslash escapes (see <see cref="AuthParamReader.Unescape"/>). Other
/// schemes are read with the generic auth-param grammar and only <see cref="Scheme"/> and
/// <see cref="Parameters"/> apply.
/// </summary>
public readonly ref struct DigestCredentials
{
    public ReadOnlySpan<byte> Scheme { get; init; }

    /// <summary>True for the <c>Digest</c> scheme (case-insensitive, RFC 7235 §2.1).</summary>
    public bool IsDigest { get; init; }

    /// <summary>Everything after the scheme, to enumerate all parameters (unknown ones included) with <see cref="AuthParamReader"/>.</summary>
    public ReadOnlySpan<byte> Parameters { get; init; }

    public ReadOnlySpan<byte> Username { get; init; }
    public ReadOnlySpan<byte> Realm { get; init; }
    public ReadOnlySpan<byte> Nonce { get; init; }
    public ReadOnlySpan<byte> Uri { get; init; }
    public ReadOnlySpan<byte> Response { get; init; }

    /// <summary>The algorithm token as sent; empty when absent.</summary>
    public ReadOnlySpan<byte> AlgorithmToken { get; init; }

    /// <summary>The algorithm; MD5 when absent (RFC 2617 §3.2.1).</summary>
    public DigestAlgorithm Algorithm { get; init; }
    public ReadOnlySpan<byte> Cnonce { get; init; }
    public ReadOnlySpan<byte> Opaque { get; init; }

    /// <summary>The qop token as sent (needed verbatim for the response computation).</summary>
    public ReadOnlySpan<byte> QopToken { get; init; }
    public DigestQop Qop { get; init; }

    /// <summary>The nc value as sent (8 hex digits).</summary>
    public ReadOnlySpan<byte> NonceCountToken { get; init; }
    public uint NonceCount { get; init; }

    /// <summary>RFC 7616 §3.4.4: the username is H(username:realm).</summary>
    public bool UserHash { get; init; }

    /// <summary>True when any typed value carries backslash escapes that must be removed before use.</summary>
    public bool HasEscapes { get; init; }

    /// <summary>Number of parameters this type does not model (kept in <see cref="Parameters"/>).</summary>
    public int UnknownParameterCount { get; init; }

    /// <summary>
    /// Parses a credentials value. For the Digest scheme, username, realm, nonce, uri and
    /// response are required (RFC 2617 §3.2.2), and cnonce and nc when qop is present.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out DigestCredentials credentials, out AuthError error)
    {
        credentials = default;
        if (!AuthParamReader.TrySplitScheme(value, out var scheme, out int paramsStart))
        {
            error = new AuthError(AuthErrorCode.MissingScheme, 0, "the value must start with an authentication scheme token");
            return false;
        }

        bool isDigest = DigestTokens.EqualsIgnoreCase(scheme, "Digest"u8);
        ReadOnlySpan<byte> username = default, realm = default, nonce = default, uri = default, response = default,
            algorithm = default, cnonce = default, opaque = default, qop = default, nc = default, userhash = default;
        int seen = 0;
        int unknown = 0;
        bool escapes = false;
        var parameters = value[paramsStart..];
        var reader = new AuthParamReader(parameters, paramsStart);
        while (reader.TryRead(out var p))
        {
            var n = p.Name;
            int bit = n.Length switch
            {
                2 when DigestTokens.EqualsIgnoreCase(n, "nc"u8) => Take(ref nc, p, 1),
                3 when DigestTokens.EqualsIgnoreCase(n, "uri"u8) => Take(ref uri, p, 2),
                3 when DigestTokens.EqualsIgnoreCase(n, "qop"u8) => Take(ref qop, p, 4),
                5 when DigestTokens.EqualsIgnoreCase(n, "realm"u8) => Take(ref realm, p, 8),
                5 when DigestTokens.EqualsIgnoreCase(n, "nonce"u8) => Take(ref nonce, p, 16),
                6 when DigestTokens.EqualsIgnoreCase(n, "cnonce"u8) => Take(ref cnonce, p, 32),
                6 when DigestTokens.EqualsIgnoreCase(n, "opaque"u8) => Take(ref opaque, p, 64),
                8 when DigestTokens.EqualsIgnoreCase(n, "username"u8) => Take(ref username, p, 128),
                8 when DigestTokens.EqualsIgnoreCase(n, "response"u8) => Take(ref response, p, 256),
                8 when DigestTokens.EqualsIgnoreCase(n, "userhash"u8) => Take(ref userhash, p, 512),
                9 when DigestTokens.EqualsIgnoreCase(n, "algorithm"u8) => Take(ref algorithm, p, 1024),
                _ => 0,
            };

            if (bit == 0)
            {
                unknown++;
                continue;
            }

            if ((seen & bit) != 0)
            {
                error = new AuthError(AuthErrorCode.DuplicateParameter, paramsStart, "a Digest parameter appears more than once");
                return false;
            }

            seen |= bit;
            escapes |= p.HasEscapes;
        }

        if (reader.Error.Code != AuthErrorCode.None)
        {
            error = reader.Error;
            return false;
        }

        uint count = 0;
        if (isDigest)
        {
            string? missing = (seen & 128) == 0 ? "the Digest credentials lack username"
                : (seen & 8) == 0 ? "the Digest credentials lack realm"
                : (seen & 16) == 0 ? "the Digest credentials lack nonce"
                : (seen & 2) == 0 ? "the Digest credentials lack uri"
                : (seen & 256) == 0 ? "the Digest credentials lack response"
                : (seen & 4) != 0 && (seen & 32) == 0 ? "qop is present but cnonce is missing (RFC 2617 §3.2.2)"
                : (seen & 4) != 0 && (seen & 1) == 0 ? "qop is present but nc is missing (RFC 2617 §3.2.2)"
                : null;
            if (missing is not null)
            {
                error = new AuthError(AuthErrorCode.MissingParameter, value.Length, missing);
                return false;
            }

            // RFC 2617 §3.2.2: nonce-count = "nc" "=" nc-value; nc-value = 8LHEX
            if ((seen & 1) != 0 && !TryParseNonceCount(nc, out count))
            {
                error = new AuthError(AuthErrorCode.InvalidParameterValue, paramsStart, "nc must be exactly 8 hex digits");
                return false;
            }
        }

        credentials = new DigestCredentials
        {
            Scheme = scheme,
            IsDigest = isDigest,
            Parameters = parameters,
            Username = username,
            Realm = realm,
            Nonce = nonce,
            Uri = uri,
            Response = response,
            AlgorithmToken = algorithm,
            Algorithm = DigestTokens.ParseAlgorithm(algorithm),
            Cnonce = cnonce,
            Opaque = opaque,
            QopToken = qop,
            Qop = DigestTokens.ParseQop(qop),
            NonceCountToken = nc,
            NonceCount = count,
            UserHash = DigestTokens.EqualsIgnoreCase(userhash, "true"u8),
            HasEscapes = escapes,
            UnknownParameterCount = unknown,
        };
        error = default;
        return true;
    }

    private static int Take(ref ReadOnlySpan<byte> field, in AuthParam p, int bit)
    {
        field = p.Value;
        return bit;
    }

    private static bool TryParseNonceCount(ReadOnlySpan<byte> nc, out uint count)
    {
        count = 0;
        if (nc.Length != 8)
        {
            return false;
        }

        foreach (byte b in nc)
        {
            int d = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
            {
                return false;
            }

            count = (count << 4) | (uint)d;
        }

        return true;
    }
}
