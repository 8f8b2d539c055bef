using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Osprey.Modules.Registrar;

/// <summary>
/// Temporary GRUUs (RFC 5627 §3.2): <c>sip:tgruu.TOKEN@domain;gr</c>, where TOKEN is the AOR key and
/// instance id encrypted and authenticated with AES-GCM under the registrar's key, so the GRUU does
/// not reveal the AOR, every REGISTER gets a new one (random nonce), and all of them stay valid while
/// the instance has a binding (§5.3) — on every node sharing <c>gruu_secret</c>, with no state kept.
/// </summary>
internal sealed class TempGruu
{
    public const string Prefix = "tgruu.";
    private readonly byte[] _key;

    public TempGruu(string secret)
    {
        _key = secret.Length > 0 ? SHA256.HashData(Encoding.UTF8.GetBytes("osprey-tgruu:" + secret)) : RandomNumberGenerator.GetBytes(32);
    }

    /// <summary>The user part (without the prefix) for this AOR key and instance.</summary>
    public string Token(string aor, string instance)
    {
        int plainLen = Encoding.UTF8.GetByteCount(aor) + 1 + Encoding.UTF8.GetByteCount(instance);
        Span<byte> buf = stackalloc byte[12 + plainLen + 16];
        RandomNumberGenerator.Fill(buf[..12]);
        Span<byte> plain = plainLen <= 512 ? stackalloc byte[plainLen] : new byte[plainLen];
        int n = Encoding.UTF8.GetBytes(aor, plain);
        plain[n] = 0;
        Encoding.UTF8.GetBytes(instance, plain[(n + 1)..]);
        using var gcm = new AesGcm(_key, 16);
        gcm.Encrypt(buf[..12], plain, buf.Slice(12, plainLen), buf[(12 + plainLen)..]);
        return Base64Url.EncodeToString(buf);
    }

    /// <summary>Decodes a token; false when it is not one of ours (or was altered).</summary>
    public bool TryDecode(ReadOnlySpan<byte> token, out string aor, out string instance)
    {
        aor = instance = "";
        if (token.Length is < 40 or > 1024) return false;
        Span<byte> buf = stackalloc byte[Base64Url.GetMaxDecodedLength(token.Length)];
        if (Base64Url.DecodeFromUtf8(token, buf, out _, out int len) != System.Buffers.OperationStatus.Done || len < 12 + 16 + 3) return false;
        int plainLen = len - 28;
        Span<byte> plain = stackalloc byte[plainLen];
        using var gcm = new AesGcm(_key, 16);
        try
        {
            gcm.Decrypt(buf[..12], buf.Slice(12, plainLen), buf.Slice(12 + plainLen, 16), plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false; // forged or from another key: an unknown GRUU, not our bug
        }
        int z = plain.IndexOf((byte)0);
        if (z <= 0) return false;
        aor = Encoding.UTF8.GetString(plain[..z]);
        instance = Encoding.UTF8.GetString(plain[(z + 1)..]);
        return true;
    }
}
