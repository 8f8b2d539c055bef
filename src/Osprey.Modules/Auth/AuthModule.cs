using System.Security.Cryptography;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Digest;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Auth;

/// <summary>Kamailio's authentication return codes.</summary>
public static class AuthCodes
{
    public const int Ok = 1;
    public const int Error = -1;
    public const int InvalidPassword = -2;
    public const int UserUnknown = -3;
    public const int NonceStale = -4;
    public const int NoCredentials = -5;
    public const int NonceReused = -6;
    public const int AuthUserMismatch = -8;
}

/// <summary>
/// auth: digest challenges (RFC 3261 §22, RFC 7616, RFC 8760 algorithms), nonces that expire and
/// cannot be replayed, verification against credentials from a <see cref="ICredentialSource"/> (auth_db),
/// consume_credentials, has_credentials, and the $au/$ad/$ar/$adu/$aa/$an pseudo-variables.
/// Passwords and HA1s are never logged.
/// </summary>
[Module("auth")]
public sealed class AuthModule : ModuleBase
{
    private Nonces _nonces = null!;
    private DigestAlgorithm[] _algorithms = [DigestAlgorithm.Md5];
    private DigestQop _qop;

    [ModParam("secret")] public string Secret { get; set; } = "";
    [ModParam("nonce_expire")] public int NonceExpire { get; set; } = 300;
    [ModParam("nonce_auth_max_drift")] public int NonceAuthMaxDrift { get; set; } = 3;
    [ModParam("nonce_count")] public int NonceCount { get; set; }
    [ModParam("one_time_nonce")] public int OneTimeNonce { get; set; }
    [ModParam("nc_array_order")] public int NcArrayOrder { get; set; } = 20;
    [ModParam("qop")] public string Qop { get; set; } = "";

    /// <summary>Challenge algorithm(s): MD5 (default), SHA-256, SHA-512-256, their -sess forms; a comma list
    /// sends one challenge per algorithm, most preferred first (RFC 8760 §2.4).</summary>
    [ModParam("algorithm")] public string Algorithm { get; set; } = "";
    [ModParam("auth_checks_register")] public int ChecksRegister { get; set; }
    [ModParam("auth_checks_no_dlg")] public int ChecksNoDialog { get; set; }
    [ModParam("auth_checks_in_dlg")] public int ChecksInDialog { get; set; }

    private long _challenges, _success, _failed, _stale, _reused;

    [Stat("auth_challenges")] public long Challenges => Interlocked.Read(ref _challenges);
    [Stat("auth_success")] public long Successes => Interlocked.Read(ref _success);
    [Stat("auth_failures")] public long Failures => Interlocked.Read(ref _failed);
    [Stat("auth_stale_nonces")] public long StaleNonces => Interlocked.Read(ref _stale);
    [Stat("auth_reused_nonces")] public long ReusedNonces => Interlocked.Read(ref _reused);

    /// <summary>The clock (Unix seconds); tests move it.</summary>
    internal Func<long> Clock { get; set; } = static () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public override string? Init()
    {
        if (NonceExpire <= 0) return "auth: nonce_expire must be positive";
        var algs = new List<DigestAlgorithm>();
        foreach (var a in Algorithm.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var alg = DigestTokens.ParseAlgorithm(Encoding.ASCII.GetBytes(a));
            if (alg == DigestAlgorithm.Unknown) return "auth: unknown algorithm '" + a + "' (MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess)";
            algs.Add(alg);
        }
        if (algs.Count > 0) _algorithms = [.. algs];
        _qop = Qop.Trim().ToLowerInvariant() switch
        {
            "" => DigestQop.None,
            "auth" => DigestQop.Auth,
            "auth-int" => DigestQop.AuthInt,
            _ => (DigestQop)(-1),
        };
        if ((int)_qop < 0) return "auth: qop must be \"auth\", \"auth-int\" or \"\"";
        if (NcArrayOrder is < 4 or > 26) return "auth: nc_array_order must be 4..26";
        // Without a configured secret nonces only validate on this node and until restart.
        byte[] secret = Secret.Length > 0 ? Encoding.UTF8.GetBytes(Secret) : RandomNumberGenerator.GetBytes(32);
        _nonces = new Nonces(secret, NonceCount != 0 || OneTimeNonce != 0 ? NcArrayOrder : 0);
        return null;
    }

    // ---- challenges

    /// <summary>www_challenge(realm, flags): 401 with WWW-Authenticate. Flags: 1 qop=auth, 2 qop=auth-int,
    /// 4 no 500 on error, 16 stale=true.</summary>
    [Function("www_challenge", RouteTypes.Request)]
    public int WwwChallenge(MessageContext ctx, string realm, string flags) => Challenge(ctx, realm, ParseInt(flags), proxy: false);

    [Function("proxy_challenge", RouteTypes.Request)]
    public int ProxyChallenge(MessageContext ctx, string realm, string flags) => Challenge(ctx, realm, ParseInt(flags), proxy: true);

    /// <summary>auth_challenge(realm, flags): www_challenge for REGISTER, proxy_challenge otherwise.</summary>
    [Function("auth_challenge", RouteTypes.Request)]
    public int AuthChallenge(MessageContext ctx, string realm, string flags)
        => Challenge(ctx, realm, ParseInt(flags), proxy: ctx.Message.Method != SipMethod.Register);

    internal static int ParseInt(string s)
    {
        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(s.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var h) ? h : 0;
        }
        return int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : 0;
    }

    private int Challenge(MessageContext ctx, string realm, int flags, bool proxy)
    {
        var msg = ctx.Message;
        if (realm.Length == 0) realm = (proxy ? msg.From : msg.To).Uri.HostString;
        var qop = (flags & 3) switch
        {
            1 => DigestQop.Auth,
            2 => DigestQop.AuthInt,
            3 => DigestQop.Auth | DigestQop.AuthInt,
            _ => _qop,
        };
        bool stale = (flags & 16) != 0 || AuthState.Of(ctx).Stale;
        Span<byte> nonce = stackalloc byte[Nonces.TextLength];
        int nlen = _nonces.Create(Clock(), ChecksTagFor(ctx, ChecksFor(msg)), nonce);
        Span<byte> realmBytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(realm.Length)];
        int rlen = Encoding.UTF8.GetBytes(realm, realmBytes);

        ReadOnlySpan<byte> name = proxy ? "Proxy-Authenticate: "u8 : "WWW-Authenticate: "u8;
        Span<byte> headers = stackalloc byte[1024 * 2];
        int pos = 0;
        foreach (var alg in _algorithms)
        {
            if (pos + name.Length + 600 > headers.Length) break;
            name.CopyTo(headers[pos..]);
            pos += name.Length;
            var p = new DigestChallengeParameters
            {
                Realm = realmBytes[..rlen],
                Nonce = nonce[..nlen],
                Algorithm = _algorithms.Length == 1 && alg == DigestAlgorithm.Md5 && Algorithm.Length == 0 ? DigestAlgorithm.Unknown : alg,
                Qop = qop,
                Stale = stale,
            };
            if (!DigestHeaderWriter.TryWriteChallenge(p, headers[pos..^2], out int w))
            {
                if ((flags & 4) == 0) ctx.Server.Replier.Reply(ctx, 500, "Server Internal Error"u8);
                return AuthCodes.Error;
            }
            pos += w;
            headers[pos++] = (byte)'\r';
            headers[pos++] = (byte)'\n';
        }
        Interlocked.Increment(ref _challenges);
        bool sent = proxy
            ? ctx.Server.Replier.Reply(ctx, 407, "Proxy Authentication Required"u8, headers[..pos])
            : ctx.Server.Replier.Reply(ctx, 401, "Unauthorized"u8, headers[..pos]);
        return sent ? 1 : AuthCodes.Error;
    }

    /// <summary>auth_checks_* for this request: REGISTER, out of dialog (no To tag), in dialog.</summary>
    private int ChecksFor(SipMessage msg)
    {
        if (msg.Method == SipMethod.Register) return ChecksRegister;
        return msg.To.HasTag ? ChecksInDialog : ChecksNoDialog;
    }

    private ulong ChecksTagFor(MessageContext ctx, int flags)
    {
        if (flags == 0) return 0;
        var msg = ctx.Message;
        Span<byte> ip = stackalloc byte[48];
        ctx.Source.Address.TryFormat(ip, out int n);
        return _nonces.ChecksTag(flags, msg.RequestUriText, msg.CallId, msg.From.Tag, ip[..n]);
    }

    // ---- verification (used by auth_db's www_authorize/proxy_authorize/auth_check)

    /// <summary>
    /// Verifies the credentials for <paramref name="realm"/> in the Authorization (or, with
    /// <paramref name="proxy"/>, Proxy-Authorization) headers against <paramref name="source"/>.
    /// Returns <see cref="AuthCodes"/>; on success the header is remembered for consume_credentials.
    /// </summary>
    public int Verify(MessageContext ctx, string realm, bool proxy, ICredentialSource source, string? method = null)
    {
        var msg = ctx.Message;
        var state = AuthState.Of(ctx);
        if (realm.Length == 0) realm = (proxy ? msg.From : msg.To).Uri.HostString;
        Span<byte> realmBytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(realm.Length)];
        realmBytes = realmBytes[..Encoding.UTF8.GetBytes(realm, realmBytes)];
        int index = FindCredentials(msg, proxy ? HeaderId.ProxyAuthorization : HeaderId.Authorization, realmBytes, out var cr);
        if (index < 0) return Fail(AuthCodes.NoCredentials);
        if (!cr.IsDigest) return Fail(AuthCodes.Error); // not digest, or not parseable (then cr is empty)
        if (cr.Algorithm == DigestAlgorithm.Unknown || cr.UserHash) return Fail(AuthCodes.Error);

        long now = Clock();
        var verdict = _nonces.Check(cr.Nonce, now, NonceExpire, NonceAuthMaxDrift, out uint nonceId, out ulong tag);
        if (verdict == NonceVerdict.Invalid) return Fail(AuthCodes.Error);
        if (verdict == NonceVerdict.Valid && tag != 0 && tag != ChecksTagFor(ctx, ChecksFor(msg))) verdict = NonceVerdict.Stale;
        if (verdict == NonceVerdict.Stale)
        {
            state.Stale = true;
            Interlocked.Increment(ref _stale);
            return Fail(AuthCodes.NonceStale);
        }

        Span<byte> userBuf = stackalloc byte[256];
        scoped ReadOnlySpan<byte> user = cr.Username;
        if (cr.HasEscapes && user.Length <= userBuf.Length) user = userBuf[..AuthParamReader.Unescape(user, userBuf)];
        Span<byte> secret = stackalloc byte[256];
        if (!source.TryGet(user, realm, secret, out int secretLength, out bool isHa1)) return Fail(AuthCodes.UserUnknown);
        if (secretLength < 0) return Fail(AuthCodes.Error);

        Span<byte> ha1 = stackalloc byte[64];
        Span<byte> ha2 = stackalloc byte[64];
        Span<byte> expected = stackalloc byte[64];
        int hlen;
        bool ok;
        try
        {
            ok = isHa1
                ? DigestHash.TryComputeSessionHa1(cr.Algorithm, secret[..secretLength], cr.Nonce, cr.Cnonce, ha1, out hlen)
                : DigestHash.TryComputeHa1(cr.Algorithm, user, cr.Realm, secret[..secretLength], cr.Nonce, cr.Cnonce, ha1, out hlen);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret[..secretLength]);
        }
        if (!ok) return Fail(AuthCodes.Error); // e.g. a stored HA1 of another algorithm's length
        ReadOnlySpan<byte> methodBytes = method is null ? msg.MethodText : Encoding.UTF8.GetBytes(method);
        DigestHash.TryComputeHa2(cr.Algorithm, methodBytes, cr.Uri, cr.Qop, msg.Body, ha2, out _);
        DigestHash.TryComputeResponse(cr.Algorithm, ha1[..hlen], cr.Nonce, cr.NonceCountToken, cr.Cnonce, cr.QopToken, ha2[..hlen], expected, out _);
        bool match = DigestHash.ResponseEquals(expected[..hlen], cr.Response);
        CryptographicOperations.ZeroMemory(ha1);
        if (!match) return Fail(AuthCodes.InvalidPassword);

        // replay protection after the response proved knowledge of the password
        bool countNc = NonceCount != 0 && cr.Qop != DigestQop.None;
        if (countNc || OneTimeNonce != 0)
        {
            var t = _nonces.Track(nonceId, cr.NonceCount, countNc, OneTimeNonce != 0 && !countNc);
            if (t == NonceVerdict.Stale)
            {
                state.Stale = true;
                Interlocked.Increment(ref _stale);
                return Fail(AuthCodes.NonceStale);
            }
            if (t == NonceVerdict.Reused)
            {
                Interlocked.Increment(ref _reused);
                return Fail(AuthCodes.NonceReused);
            }
        }
        state.AuthorizedHeader = index;
        // $au's place in the header, for auth_check's comparisons without parsing the header again
        msg.ValueAt(index).Overlaps(cr.Username, out int userStart);
        state.AuthUserStart = userStart;
        state.AuthUserLength = UserPart(cr.Username).Length;
        Interlocked.Increment(ref _success);
        return AuthCodes.Ok;
    }

    private int Fail(int code)
    {
        Interlocked.Increment(ref _failed);
        return code;
    }

    /// <summary>The first credentials header of this kind whose realm matches (any when realm is empty).</summary>
    private static int FindCredentials(SipMessage msg, HeaderId id, ReadOnlySpan<byte> realm) => FindCredentials(msg, id, realm, out _);

    /// <summary>The same, handing out the parsed credentials (empty when the header found does not parse).</summary>
    private static int FindCredentials(SipMessage msg, HeaderId id, ReadOnlySpan<byte> realm, out DigestCredentials found)
    {
        found = default;
        for (int i = msg.IndexOf(id); i >= 0; i = msg.NextIndexOf(id, i))
        {
            if (!DigestCredentials.TryParse(msg.ValueAt(i), out var cr, out _))
            {
                if (realm.IsEmpty) return i;
                continue;
            }
            if (realm.IsEmpty || cr.Realm.SequenceEqual(realm))
            {
                found = cr;
                return i;
            }
        }
        return -1;
    }

    /// <summary>has_credentials(realm): 1 when an Authorization or Proxy-Authorization header has that realm.</summary>
    [Function("has_credentials", RouteTypes.Request)]
    public int HasCredentials(MessageContext ctx, string realm)
    {
        var r = Encoding.UTF8.GetBytes(realm);
        return FindCredentials(ctx.Message, HeaderId.Authorization, r) >= 0 || FindCredentials(ctx.Message, HeaderId.ProxyAuthorization, r) >= 0 ? 1 : -1;
    }

    /// <summary>consume_credentials(): removes the authorized credentials header from the forwarded request.</summary>
    [Function("consume_credentials", RouteTypes.Request)]
    public int ConsumeCredentials(MessageContext ctx)
    {
        int i = AuthState.Of(ctx).AuthorizedHeader;
        if (i < 0) return -1;
        ref readonly var h = ref ctx.Message.Header(i);
        ctx.Editor.Delete(h.LineStart, h.LineEnd - h.LineStart);
        AuthState.Of(ctx).AuthorizedHeader = -1;
        return 1;
    }

    /// <summary>The authorized credentials header, else the first Proxy-Authorization, else the first Authorization.</summary>
    private static int CredentialsFor(MessageContext ctx)
    {
        int i = AuthState.Of(ctx).AuthorizedHeader;
        if (i >= 0) return i;
        i = ctx.Message.IndexOf(HeaderId.ProxyAuthorization);
        return i >= 0 ? i : ctx.Message.IndexOf(HeaderId.Authorization);
    }

    private static PvValue CredPart(MessageContext ctx, int which)
    {
        int i = CredentialsFor(ctx);
        if (i < 0 || !DigestCredentials.TryParse(ctx.Message.ValueAt(i), out var cr, out _)) return PvValue.Null;
        ReadOnlySpan<byte> v = which switch
        {
            0 => cr.Username,
            1 => cr.Realm,
            2 => cr.Uri,
            3 => cr.AlgorithmToken.IsEmpty ? "MD5"u8 : cr.AlgorithmToken,
            4 => cr.Nonce,
            5 => cr.Username,
            _ => default,
        };
        if (which == 0) v = UserPart(v);
        else if (which == 5)
        {
            int at = v.IndexOf((byte)'@');
            v = at >= 0 ? v[(at + 1)..] : cr.Realm;
        }
        return PvValue.FromString(Encoding.UTF8.GetString(v));
    }

    /// <summary>$au as bytes of the message (empty when there are no credentials), for comparisons that should not allocate.</summary>
    internal static ReadOnlySpan<byte> AuthUser(MessageContext ctx)
    {
        var state = AuthState.Of(ctx);
        if (state.AuthorizedHeader >= 0) return ctx.Message.ValueAt(state.AuthorizedHeader).Slice(state.AuthUserStart, state.AuthUserLength);
        int i = CredentialsFor(ctx);
        if (i < 0 || !DigestCredentials.TryParse(ctx.Message.ValueAt(i), out var cr, out _)) return default;
        return UserPart(cr.Username);
    }

    /// <summary>The user part of a credentials username: up to its '@' ($au; $ad is what follows).</summary>
    private static ReadOnlySpan<byte> UserPart(ReadOnlySpan<byte> username)
    {
        int at = username.IndexOf((byte)'@');
        return at >= 0 ? username[..at] : username;
    }

    /// <summary>$au: user part of the credentials' username.</summary>
    [PseudoVar("au")] public PvValue GetAu(MessageContext ctx, string? inner) => CredPart(ctx, 0);

    /// <summary>$ad: domain part of the username, or the realm.</summary>
    [PseudoVar("ad")] public PvValue GetAd(MessageContext ctx, string? inner) => CredPart(ctx, 5);

    /// <summary>$ar: realm.</summary>
    [PseudoVar("ar")] public PvValue GetAr(MessageContext ctx, string? inner) => CredPart(ctx, 1);

    /// <summary>$adu: digest uri.</summary>
    [PseudoVar("adu")] public PvValue GetAdu(MessageContext ctx, string? inner) => CredPart(ctx, 2);

    /// <summary>$aa: algorithm.</summary>
    [PseudoVar("aa")] public PvValue GetAa(MessageContext ctx, string? inner) => CredPart(ctx, 3);

    /// <summary>$an: nonce.</summary>
    [PseudoVar("an")] public PvValue GetAn(MessageContext ctx, string? inner) => CredPart(ctx, 4);

    /// <summary>auth_db keeps the columns load_credentials fetched for the message here.</summary>
    internal static Dictionary<string, string?> LoadedCredentials(MessageContext ctx) => AuthState.Of(ctx).Loaded ??= new(StringComparer.Ordinal);
}
