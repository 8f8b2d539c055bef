namespace Osprey.Sip.Digest;

/// <summary>What to put in a challenge (<c>WWW-Authenticate</c>/<c>Proxy-Authenticate</c> value).</summary>
public readonly ref struct DigestChallengeParameters
{
    public ReadOnlySpan<byte> Realm { get; init; }
    public ReadOnlySpan<byte> Nonce { get; init; }

    /// <summary>Omitted when empty.</summary>
    public ReadOnlySpan<byte> Opaque { get; init; }

    /// <summary>Omitted when empty.</summary>
    public ReadOnlySpan<byte> Domain { get; init; }

    /// <summary><see cref="DigestAlgorithm.Unknown"/> omits the parameter (the peer assumes MD5).</summary>
    public DigestAlgorithm Algorithm { get; init; }
    public DigestQop Qop { get; init; }
    public bool Stale { get; init; }
    public bool UserHash { get; init; }
}

/// <summary>What to put in credentials (<c>Authorization</c>/<c>Proxy-Authorization</c> value), e.g. for a UAC.</summary>
public readonly ref struct DigestCredentialParameters
{
    public ReadOnlySpan<byte> Username { get; init; }
    public ReadOnlySpan<byte> Realm { get; init; }
    public ReadOnlySpan<byte> Nonce { get; init; }
    public ReadOnlySpan<byte> Uri { get; init; }
    public ReadOnlySpan<byte> Response { get; init; }
    public DigestAlgorithm Algorithm { get; init; }

    /// <summary>Omitted when empty.</summary>
    public ReadOnlySpan<byte> Opaque { get; init; }

    /// <summary><see cref="DigestQop.None"/> omits qop, nc and cnonce.</summary>
    public DigestQop Qop { get; init; }
    public ReadOnlySpan<byte> Cnonce { get; init; }
    public uint NonceCount { get; init; }
    public bool UserHash { get; init; }
}

/// <summary>
/// Writes Digest header values (RFC 7616 §3.3, §3.4; RFC 3261 §25.1). Quoted values get
/// <c>"</c> and <c>\</c> escaped. Returns false, writing nothing useful, when the destination is too small.
/// </summary>
public static class DigestHeaderWriter
{
    public static bool TryWriteChallenge(in DigestChallengeParameters p, Span<byte> destination, out int written)
    {
        var w = new Writer(destination);
        w.Raw("Digest "u8);
        w.Quoted("realm"u8, p.Realm, first: true);
        if (!p.Domain.IsEmpty)
        {
            w.Quoted("domain"u8, p.Domain);
        }

        w.Quoted("nonce"u8, p.Nonce);
        if (!p.Opaque.IsEmpty)
        {
            w.Quoted("opaque"u8, p.Opaque);
        }

        if (p.Stale)
        {
            w.Token("stale"u8, "true"u8);
        }

        if (p.Algorithm != DigestAlgorithm.Unknown)
        {
            w.Token("algorithm"u8, DigestTokens.AlgorithmToken(p.Algorithm));
        }

        if (p.Qop != DigestQop.None)
        {
            // RFC 7616 §3.3: qop is always a quoted list in a challenge.
            var list = p.Qop switch
            {
                DigestQop.Auth => "auth"u8,
                DigestQop.AuthInt => "auth-int"u8,
                _ => "auth,auth-int"u8,
            };
            w.Quoted("qop"u8, list);
        }

        if (p.UserHash)
        {
            w.Token("userhash"u8, "true"u8);
        }

        written = w.Position;
        return !w.Overflow;
    }

    public static bool TryWriteCredentials(in DigestCredentialParameters p, Span<byte> destination, out int written)
    {
        var w = new Writer(destination);
        w.Raw("Digest "u8);
        w.Quoted("username"u8, p.Username, first: true);
        w.Quoted("realm"u8, p.Realm);
        w.Quoted("nonce"u8, p.Nonce);
        w.Quoted("uri"u8, p.Uri);
        w.Quoted("response"u8, p.Response);
        if (p.Algorithm != DigestAlgorithm.Unknown)
        {
            w.Token("algorithm"u8, DigestTokens.AlgorithmToken(p.Algorithm));
        }

        if (!p.Opaque.IsEmpty)
        {
            w.Quoted("opaque"u8, p.Opaque);
        }

        if (p.Qop != DigestQop.None)
        {
            // RFC 7616 §3.4: in credentials qop is a single unquoted token.
            w.Token("qop"u8, p.Qop == DigestQop.AuthInt ? "auth-int"u8 : "auth"u8);
            Span<byte> nc = stackalloc byte[8];
            uint v = p.NonceCount;
            for (int i = 7; i >= 0; i--)
            {
                nc[i] = "0123456789abcdef"u8[(int)(v & 0xF)];
                v >>= 4;
            }

            w.Token("nc"u8, nc);
            w.Quoted("cnonce"u8, p.Cnonce);
        }

        if (p.UserHash)
        {
            w.Token("userhash"u8, "true"u8);
        }

        written = w.Position;
        return !w.Overflow;
    }

    private ref struct Writer
    {
        private readonly Span<byte> _dest;

        public Writer(Span<byte> dest)
        {
            _dest = dest;
            Position = 0;
            Overflow = false;
        }

        public int Position { get; private set; }
        public bool Overflow { get; private set; }

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            if (Position + bytes.Length > _dest.Length)
            {
                Overflow = true;
                return;
            }

            bytes.CopyTo(_dest[Position..]);
            Position += bytes.Length;
        }

        private void Byte(byte b)
        {
            if (Position >= _dest.Length)
            {
                Overflow = true;
                return;
            }

            _dest[Position++] = b;
        }

        public void Token(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
        {
            Raw(", "u8);
            Raw(name);
            Byte((byte)'=');
            Raw(value);
        }

        public void Quoted(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value, bool first = false)
        {
            if (!first)
            {
                Raw(", "u8);
            }

            Raw(name);
            Raw("=\""u8);
            foreach (byte b in value)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    Byte((byte)'\\');
                }

                Byte(b);
            }

            Byte((byte)'"');
        }
    }
}
