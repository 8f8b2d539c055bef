namespace Osprey.Sip.Digest;

/// <summary>
/// A <c>WWW-Authenticate</c> or <c>Proxy-Authenticate</c> value (RFC 3261 §22.4/§25.1,
/// RFC 7616 §3.3). Spans point into the parsed value; quoted values are unquoted but keep escapes.
/// </summary>
public readonly ref struct DigestChallenge
{
    public ReadOnlySpan<byte> Scheme { get; init; }
    public bool IsDigest { get; init; }

    /// <summary>Everything after the scheme, for <see cref="AuthParamReader"/> (unknown parameters included).</summary>
    public ReadOnlySpan<byte> Parameters { get; init; }
    public ReadOnlySpan<byte> Realm { get; init; }

    /// <summary>The space-separated URI list of <c>domain</c>, unsplit.</summary>
    public ReadOnlySpan<byte> Domain { get; init; }
    public ReadOnlySpan<byte> Nonce { get; init; }
    public ReadOnlySpan<byte> Opaque { get; init; }

    /// <summary>RFC 7616 §3.3: stale=true means the nonce expired but the credentials were right.</summary>
    public bool Stale { get; init; }
    public ReadOnlySpan<byte> AlgorithmToken { get; init; }
    public DigestAlgorithm Algorithm { get; init; }

    /// <summary>The qop-options list as sent (e.g. <c>auth,auth-int</c>).</summary>
    public ReadOnlySpan<byte> QopOptions { get; init; }

    /// <summary>The known qop options offered.</summary>
    public DigestQop Qop { get; init; }
    public ReadOnlySpan<byte> Charset { get; init; }
    public bool UserHash { get; init; }
    public bool HasEscapes { get; init; }
    public int UnknownParameterCount { get; init; }

    /// <summary>Parses a challenge. A Digest challenge needs realm and nonce (RFC 2617 §3.2.1).</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out DigestChallenge challenge, out AuthError error)
    {
        challenge = default;
        if (!AuthParamReader.TrySplitScheme(value, out var scheme, out int paramsStart))
        {
            error = new AuthError(AuthErrorCode.MissingScheme, 0, "the value must start with an authentication scheme token");
            return false;
        }

        bool isDigest = DigestTokens.EqualsIgnoreCase(scheme, "Digest"u8);
        ReadOnlySpan<byte> realm = default, domain = default, nonce = default, opaque = default, stale = default,
            algorithm = default, qop = default, charset = default, userhash = default;
        int seen = 0, unknown = 0;
        bool escapes = false;
        var parameters = value[paramsStart..];
        var reader = new AuthParamReader(parameters, paramsStart);
        while (reader.TryRead(out var p))
        {
            var n = p.Name;
            int bit = n.Length switch
            {
                3 when DigestTokens.EqualsIgnoreCase(n, "qop"u8) => Take(ref qop, p, 1),
                5 when DigestTokens.EqualsIgnoreCase(n, "realm"u8) => Take(ref realm, p, 2),
                5 when DigestTokens.EqualsIgnoreCase(n, "nonce"u8) => Take(ref nonce, p, 4),
                5 when DigestTokens.EqualsIgnoreCase(n, "stale"u8) => Take(ref stale, p, 8),
                6 when DigestTokens.EqualsIgnoreCase(n, "domain"u8) => Take(ref domain, p, 16),
                6 when DigestTokens.EqualsIgnoreCase(n, "opaque"u8) => Take(ref opaque, p, 32),
                7 when DigestTokens.EqualsIgnoreCase(n, "charset"u8) => Take(ref charset, p, 64),
                8 when DigestTokens.EqualsIgnoreCase(n, "userhash"u8) => Take(ref userhash, p, 128),
                9 when DigestTokens.EqualsIgnoreCase(n, "algorithm"u8) => Take(ref algorithm, p, 256),
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

        if (isDigest && ((seen & 2) == 0 || (seen & 4) == 0))
        {
            error = new AuthError(AuthErrorCode.MissingParameter, value.Length,
                (seen & 2) == 0 ? "the Digest challenge lacks realm" : "the Digest challenge lacks nonce");
            return false;
        }

        // RFC 7616 §3.3: qop-options is a quoted, comma-separated token list.
        var offered = DigestQop.None;
        var list = qop;
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            var item = (comma < 0 ? list : list[..comma]).Trim(" \t\r\n"u8);
            offered |= DigestTokens.ParseQop(item);
            list = comma < 0 ? default : list[(comma + 1)..];
        }

        challenge = new DigestChallenge
        {
            Scheme = scheme,
            IsDigest = isDigest,
            Parameters = parameters,
            Realm = realm,
            Domain = domain,
            Nonce = nonce,
            Opaque = opaque,
            Stale = DigestTokens.EqualsIgnoreCase(stale, "true"u8),
            AlgorithmToken = algorithm,
            Algorithm = DigestTokens.ParseAlgorithm(algorithm),
            QopOptions = qop,
            Qop = offered,
            Charset = charset,
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
}
