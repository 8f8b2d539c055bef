using System.Text;
using Osprey.Sip.Digest;

namespace Osprey.Modules.Tests.Auth;

/// <summary>The UA side of digest (RFC 7616 §3.4), built on Osprey.Sip.Digest: answers a challenge.</summary>
internal static class DigestClient
{
    public static string Answer(string challenge, string user, string password, string method, string uri, uint nc = 1,
        string cnonce = "0a4f113b", string body = "", DigestQop? qopChoice = null, string? realmOverride = null, string? nonceOverride = null)
    {
        var cbytes = Encoding.UTF8.GetBytes(challenge);
        Assert.True(DigestChallenge.TryParse(cbytes, out var ch, out var err), err.ToString());
        var alg = ch.Algorithm;
        var realm = realmOverride is null ? ch.Realm.ToArray() : Encoding.UTF8.GetBytes(realmOverride);
        var nonce = nonceOverride is null ? ch.Nonce.ToArray() : Encoding.UTF8.GetBytes(nonceOverride);
        var qop = qopChoice ?? ((ch.Qop & DigestQop.Auth) != 0 ? DigestQop.Auth : ch.Qop);
        var u = Encoding.UTF8.GetBytes(user);
        var ncText = Encoding.ASCII.GetBytes(nc.ToString("x8"));
        var cn = Encoding.ASCII.GetBytes(cnonce);
        Span<byte> ha1 = stackalloc byte[64], ha2 = stackalloc byte[64], resp = stackalloc byte[64];
        Assert.True(DigestHash.TryComputeHa1(alg, u, realm, Encoding.UTF8.GetBytes(password), nonce, cn, ha1, out int n));
        DigestHash.TryComputeHa2(alg, Encoding.ASCII.GetBytes(method), Encoding.UTF8.GetBytes(uri), qop, Encoding.UTF8.GetBytes(body), ha2, out _);
        ReadOnlySpan<byte> qopToken = qop switch { DigestQop.Auth => "auth"u8, DigestQop.AuthInt => "auth-int"u8, _ => default };
        DigestHash.TryComputeResponse(alg, ha1[..n], nonce, qop == DigestQop.None ? default : ncText, qop == DigestQop.None ? default : cn, qopToken, ha2[..n], resp, out _);
        var p = new DigestCredentialParameters
        {
            Username = u,
            Realm = realm,
            Nonce = nonce,
            Uri = Encoding.UTF8.GetBytes(uri),
            Response = resp[..n],
            Algorithm = ch.AlgorithmToken.IsEmpty ? DigestAlgorithm.Unknown : alg,
            Qop = qop,
            Cnonce = cn,
            NonceCount = nc,
        };
        Span<byte> buf = stackalloc byte[1024];
        Assert.True(DigestHeaderWriter.TryWriteCredentials(p, buf, out int w));
        return Encoding.UTF8.GetString(buf[..w]);
    }
}
