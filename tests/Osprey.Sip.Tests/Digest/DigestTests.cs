using System.Text;
using Osprey.Sip.Digest;
using Osprey.Sip.Tests.Sdp;

namespace Osprey.Sip.Tests.Digest;

public class DigestCredentialsTests
{
    // RFC 2617 §3.5
    private const string Rfc2617Authorization =
        "Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\",\r\n nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
        + " uri=\"/dir/index.html\",\r\n qop=auth,\r\n nc=00000001,\r\n cnonce=\"0a4f113b\",\r\n"
        + " response=\"6629fae49393a05397450978507c4ef1\",\r\n opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

    // RFC 7616 §3.9.1 (SHA-256 variant)
    private const string Rfc7616Sha256Authorization =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=SHA-256,"
        + " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\","
        + " qop=auth, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Parses_rfc2617_example_with_folded_whitespace()
    {
        Assert.True(DigestCredentials.TryParse(B(Rfc2617Authorization), out var c, out var e), e.ToString());
        Assert.True(c.IsDigest);
        Assert.Equal("Mufasa"u8, c.Username);
        Assert.Equal("testrealm@host.com"u8, c.Realm);
        Assert.Equal("/dir/index.html"u8, c.Uri);
        Assert.Equal(DigestQop.Auth, c.Qop);
        Assert.Equal(1u, c.NonceCount);
        Assert.Equal("00000001"u8, c.NonceCountToken);
        Assert.Equal(DigestAlgorithm.Md5, c.Algorithm);
        Assert.True(c.AlgorithmToken.IsEmpty);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41"u8, c.Opaque);
        Assert.Equal(0, c.UnknownParameterCount);
    }

    [Fact]
    public void Rfc2617_response_is_reproduced()
    {
        Assert.True(DigestCredentials.TryParse(B(Rfc2617Authorization), out var c, out _));
        Assert.True(Verify(c, "GET"u8, "Circle Of Life"u8));
        Assert.False(Verify(c, "GET"u8, "Circle of Life"u8));
    }

    [Fact]
    public void Rfc7616_sha256_response_is_reproduced()
    {
        Assert.True(DigestCredentials.TryParse(B(Rfc7616Sha256Authorization), out var c, out var e), e.ToString());
        Assert.Equal(DigestAlgorithm.Sha256, c.Algorithm);
        Assert.True(Verify(c, "GET"u8, "Circle of Life"u8));
    }

    [Fact]
    public void Rfc7616_md5_response_is_reproduced()
    {
        Span<byte> ha1 = stackalloc byte[64], ha2 = stackalloc byte[64], resp = stackalloc byte[64];
        var alg = DigestAlgorithm.Md5;
        Assert.True(DigestHash.TryComputeHa1(alg, "Mufasa"u8, "http-auth@example.org"u8, "Circle of Life"u8, default, default, ha1, out int n1));
        Assert.True(DigestHash.TryComputeHa2(alg, "GET"u8, "/dir/index.html"u8, DigestQop.Auth, default, ha2, out int n2));
        Assert.True(DigestHash.TryComputeResponse(alg, ha1[..n1], "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"u8, "00000001"u8,
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"u8, "auth"u8, ha2[..n2], resp, out int n3));
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", Encoding.ASCII.GetString(resp[..n3]));
    }

    [Fact]
    public void Sess_and_auth_int_follow_the_rfc_formulas()
    {
        // Independently computed: HA1 = H(H(u:r:p):nonce:cnonce); HA2 = H(m:uri:H(body)).
        var ha1 = new byte[64];
        var inner = new byte[64];
        var expect = new byte[64];
        foreach (var alg in new[] { DigestAlgorithm.Md5Sess, DigestAlgorithm.Sha256Sess, DigestAlgorithm.Sha512_256Sess })
        {
            Assert.True(DigestHash.TryComputeHa1(alg, "u"u8, "r"u8, "p"u8, "n"u8, "c"u8, ha1, out int n));
            Assert.True(DigestHash.TryComputeHa1(alg - 1, "u"u8, "r"u8, "p"u8, default, default, inner, out _));
            Assert.True(DigestHash.TryComputeSessionHa1(alg, inner.AsSpan(0, n), "n"u8, "c"u8, expect, out _));
            Assert.Equal(Encoding.ASCII.GetString(expect, 0, n), Encoding.ASCII.GetString(ha1, 0, n));
        }

#pragma warning disable CA5351 // the RFC's algorithm
        Span<byte> ha2 = stackalloc byte[64];
        Assert.True(DigestHash.TryComputeHa2(DigestAlgorithm.Md5, "INVITE"u8, "sip:a@b"u8, DigestQop.AuthInt, "body"u8, ha2, out int m));
        var bodyHash = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("body"u8.ToArray()));
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(B("INVITE:sip:a@b:" + bodyHash)));
        Assert.Equal(expected, Encoding.ASCII.GetString(ha2[..m]));
#pragma warning restore CA5351
    }

    [Fact]
    public void Response_compare_is_case_insensitive_on_hex_and_rejects_junk()
    {
        Assert.True(DigestHash.ResponseEquals("6629fae49393a05397450978507c4ef1"u8, "6629FAE49393A05397450978507C4EF1"u8));
        Assert.False(DigestHash.ResponseEquals("6629fae49393a05397450978507c4ef1"u8, "6629fae49393a05397450978507c4ef2"u8));
        Assert.False(DigestHash.ResponseEquals("00"u8, "\u0010\u0010"u8));
        Assert.False(DigestHash.ResponseEquals("00"u8, "000"u8));
    }

    [Fact]
    public void Regaut01_unknown_scheme_is_read_generically()
    {
        var message = Encoding.Latin1.GetString(TestMessages.Load("rfc4475/regaut01.dat"));
        int start = message.IndexOf("Authorization: ", StringComparison.Ordinal) + "Authorization: ".Length;
        var value = message[start..message.IndexOf("\r\n", start, StringComparison.Ordinal)];
        Assert.True(DigestCredentials.TryParse(B(value), out var c, out var e), e.ToString());
        Assert.False(c.IsDigest);
        Assert.Equal("NoOneKnowsThisScheme"u8, c.Scheme);
        Assert.Equal(1, c.UnknownParameterCount);
        var reader = new AuthParamReader(c.Parameters);
        Assert.True(reader.TryRead(out var p));
        Assert.Equal("opaque-data"u8, p.Name);
        Assert.Equal("here"u8, p.Value);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void Names_are_case_insensitive_escapes_and_unknown_params_are_kept()
    {
        var v = B("dIgEsT  USERNAME = \"bo\\\"b\" ,REALM=\"x\",, Nonce=\"n\", URI=\"sip:x\", Response=\"00\", x-extra=\"1\", Algorithm=sha-512-256, UserHash=true");
        Assert.True(DigestCredentials.TryParse(v, out var c, out var e), e.ToString());
        Assert.True(c.IsDigest);
        Assert.True(c.HasEscapes);
        Assert.True(c.UserHash);
        Assert.Equal(DigestAlgorithm.Sha512_256, c.Algorithm);
        Assert.Equal(1, c.UnknownParameterCount);
        Assert.Equal("bo\\\"b"u8, c.Username);
        Span<byte> raw = stackalloc byte[16];
        int n = AuthParamReader.Unescape(c.Username, raw);
        Assert.Equal("bo\"b"u8, raw[..n]);
    }

    [Theory]
    [InlineData("", AuthErrorCode.MissingScheme)]
    [InlineData("Digest username=\"a", AuthErrorCode.UnterminatedQuotedString)]
    [InlineData("Digest username", AuthErrorCode.MalformedParameter)]
    [InlineData("Digest username=\"a\" realm=\"b\"", AuthErrorCode.MalformedParameter)]
    [InlineData("Digest username=", AuthErrorCode.MalformedParameter)]
    [InlineData("Digest username=\"a\", username=\"b\"", AuthErrorCode.DuplicateParameter)]
    [InlineData("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"", AuthErrorCode.MissingParameter)]
    [InlineData("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"0\", qop=auth, nc=00000001", AuthErrorCode.MissingParameter)]
    [InlineData("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"0\", qop=auth, nc=1, cnonce=\"c\"", AuthErrorCode.InvalidParameterValue)]
    [InlineData("Digest username=\"a\\\"", AuthErrorCode.UnterminatedQuotedString)]
    public void Malformed_credentials_are_errors(string value, AuthErrorCode code)
    {
        Assert.False(DigestCredentials.TryParse(B(value), out _, out var e));
        Assert.Equal(code, e.Code);
        Assert.False(string.IsNullOrEmpty(e.Reason));
    }

    private static bool Verify(DigestCredentials c, ReadOnlySpan<byte> method, ReadOnlySpan<byte> password)
    {
        Span<byte> ha1 = stackalloc byte[64], ha2 = stackalloc byte[64], resp = stackalloc byte[64];
        if (!DigestHash.TryComputeHa1(c.Algorithm, c.Username, c.Realm, password, c.Nonce, c.Cnonce, ha1, out int n1)
            || !DigestHash.TryComputeHa2(c.Algorithm, method, c.Uri, c.Qop, default, ha2, out int n2)
            || !DigestHash.TryComputeResponse(c.Algorithm, ha1[..n1], c.Nonce, c.NonceCountToken, c.Cnonce, c.QopToken, ha2[..n2], resp, out int n3))
        {
            return false;
        }

        return DigestHash.ResponseEquals(resp[..n3], c.Response);
    }
}

public class DigestChallengeTests
{
    [Fact]
    public void Parses_rfc7616_challenge()
    {
        var v = Encoding.ASCII.GetBytes("Digest\r\n realm=\"http-auth@example.org\",\r\n qop=\"auth, auth-int\",\r\n algorithm=SHA-256,\r\n"
            + " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
        Assert.True(DigestChallenge.TryParse(v, out var c, out var e), e.ToString());
        Assert.Equal("http-auth@example.org"u8, c.Realm);
        Assert.Equal(DigestQop.Auth | DigestQop.AuthInt, c.Qop);
        Assert.Equal(DigestAlgorithm.Sha256, c.Algorithm);
        Assert.False(c.Stale);
    }

    [Fact]
    public void Stale_domain_and_missing_nonce()
    {
        Assert.True(DigestChallenge.TryParse("Digest realm=\"a\", nonce=\"b\", stale=TRUE, domain=\"sip:a sip:b\""u8, out var c, out _));
        Assert.True(c.Stale);
        Assert.Equal("sip:a sip:b"u8, c.Domain);
        Assert.False(DigestChallenge.TryParse("Digest realm=\"a\""u8, out _, out var e));
        Assert.Equal(AuthErrorCode.MissingParameter, e.Code);
    }

    [Fact]
    public void Writer_output_parses_back()
    {
        Span<byte> buf = stackalloc byte[256];
        var p = new DigestChallengeParameters
        {
            Realm = "ex\"ample.org"u8,
            Nonce = "abc"u8,
            Opaque = "op"u8,
            Algorithm = DigestAlgorithm.Sha256,
            Qop = DigestQop.Auth | DigestQop.AuthInt,
            Stale = true,
        };
        Assert.True(DigestHeaderWriter.TryWriteChallenge(p, buf, out int n));
        Assert.Equal("Digest realm=\"ex\\\"ample.org\", nonce=\"abc\", opaque=\"op\", stale=true, algorithm=SHA-256, qop=\"auth,auth-int\"",
            Encoding.ASCII.GetString(buf[..n]));
        Assert.True(DigestChallenge.TryParse(buf[..n], out var c, out _));
        Assert.True(c.Stale);
        Assert.Equal(DigestQop.Auth | DigestQop.AuthInt, c.Qop);
        Assert.False(DigestHeaderWriter.TryWriteChallenge(p, buf[..20], out _));

        var cp = new DigestCredentialParameters
        {
            Username = "alice"u8, Realm = "r"u8, Nonce = "n"u8, Uri = "sip:r"u8, Response = "00"u8,
            Algorithm = DigestAlgorithm.Md5, Qop = DigestQop.Auth, Cnonce = "c"u8, NonceCount = 0x1f,
        };
        Assert.True(DigestHeaderWriter.TryWriteCredentials(cp, buf, out n));
        Assert.True(DigestCredentials.TryParse(buf[..n], out var cred, out var e), e.ToString());
        Assert.Equal(0x1fu, cred.NonceCount);
        Assert.Equal("0000001f"u8, cred.NonceCountToken);
    }
}
