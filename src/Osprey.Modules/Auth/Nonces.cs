using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Osprey.Modules.Auth;

/// <summary>Why a nonce was not accepted.</summary>
internal enum NonceVerdict
{
    Valid,
    /// <summary>Not one of ours (bad encoding, bad MAC: another secret, or tampered).</summary>
    Invalid,
    /// <summary>Older than nonce_expire, or bound to message parts that changed: challenge again with stale=true.</summary>
    Stale,
    /// <summary>Seen before with this nc (nonce_count) or already used (one_time_nonce).</summary>
    Reused,
}

/// <summary>
/// Self-validating nonces: version, issue time, a nonce id, a tag over the message parts
/// auth_checks_* name, and an HMAC-SHA256 over all of it keyed with the shared <c>secret</c>, so any
/// node holding the secret can check a nonce another issued, and nobody can forge or extend one
/// (RFC 7616 §3.3 leaves the nonce format to the server). Replay protection (nonce_count,
/// one_time_nonce) tracks nonce ids in a fixed array, as Kamailio does: per node.
/// </summary>
internal sealed class Nonces
{
    private const int RawLength = 1 + 8 + 4 + 8 + 16;
    public const int TextLength = (RawLength + 2) / 3 * 4; // base64url with padding chars dropped below
    private readonly byte[] _secret;
    private readonly ulong[]? _slots;
    private readonly int _mask;
    private int _nextId;

    public Nonces(byte[] secret, int trackOrder)
    {
        _secret = secret;
        if (trackOrder > 0)
        {
            _slots = new ulong[1 << trackOrder];
            _mask = _slots.Length - 1;
        }
        _nextId = RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    /// <summary>Writes a new nonce for this issue time and checks tag; returns its length.</summary>
    public int Create(long now, ulong checksTag, Span<byte> dest)
    {
        Span<byte> raw = stackalloc byte[RawLength];
        raw[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(raw[1..], now);
        uint id = (uint)Interlocked.Increment(ref _nextId);
        BinaryPrimitives.WriteUInt32BigEndian(raw[9..], id);
        BinaryPrimitives.WriteUInt64BigEndian(raw[13..], checksTag);
        Mac(raw[..21], raw[21..]);
        if (_slots is not null) Volatile.Write(ref _slots[id & (uint)_mask], (ulong)id << 32);
        return Base64Url.EncodeToUtf8(raw, dest);
    }

    /// <summary>Checks integrity and age; gives the nonce's id and checks tag.</summary>
    public NonceVerdict Check(ReadOnlySpan<byte> nonce, long now, int expire, int maxDrift, out uint id, out ulong checksTag)
    {
        id = 0;
        checksTag = 0;
        Span<byte> raw = stackalloc byte[RawLength + 3];
        if (nonce.Length > 64 || Base64Url.DecodeFromUtf8(nonce, raw, out _, out int n) != System.Buffers.OperationStatus.Done || n != RawLength || raw[0] != 1)
        {
            return NonceVerdict.Invalid;
        }
        Span<byte> mac = stackalloc byte[16];
        Mac(raw[..21], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, raw[21..RawLength])) return NonceVerdict.Invalid;
        long issued = BinaryPrimitives.ReadInt64BigEndian(raw[1..]);
        id = BinaryPrimitives.ReadUInt32BigEndian(raw[9..]);
        checksTag = BinaryPrimitives.ReadUInt64BigEndian(raw[13..]);
        if (issued > now + maxDrift) return NonceVerdict.Invalid;
        return issued + expire < now ? NonceVerdict.Stale : NonceVerdict.Valid;
    }

    /// <summary>
    /// nonce_count (RFC 7616 §3.4: nc must grow) and one_time_nonce bookkeeping, done only after the
    /// response was verified. An id whose slot was reused by a newer nonce is stale (re-challenge).
    /// </summary>
    public NonceVerdict Track(uint id, uint nc, bool countNc, bool oneTime)
    {
        if (_slots is null) return NonceVerdict.Valid;
        ref ulong slot = ref _slots[id & (uint)_mask];
        while (true)
        {
            ulong cur = Volatile.Read(ref slot);
            if ((uint)(cur >> 32) != id) return NonceVerdict.Stale;
            uint low = (uint)cur;
            bool used = (low & 0x8000_0000u) != 0;
            uint lastNc = low & 0x7FFF_FFFFu;
            if (oneTime && used) return NonceVerdict.Reused;
            uint next = low;
            if (countNc)
            {
                if (nc <= lastNc) return NonceVerdict.Reused;
                if (nc > 0x7FFF_FFFFu) return NonceVerdict.Stale;
                next = (low & 0x8000_0000u) | nc;
            }
            if (oneTime) next |= 0x8000_0000u;
            if (Interlocked.CompareExchange(ref slot, ((ulong)id << 32) | next, cur) == cur) return NonceVerdict.Valid;
        }
    }

    /// <summary>A tag binding a nonce to parts of the message (auth_checks_*): 1 R-URI, 2 Call-ID, 4 From tag, 8 source IP.</summary>
    public ulong ChecksTag(int flags, ReadOnlySpan<byte> ruri, ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag, ReadOnlySpan<byte> srcIp)
    {
        if (flags == 0) return 0;
        var h = Hmac();
        h.AppendData("checks"u8);
        Span<byte> f = [(byte)flags];
        h.AppendData(f);
        if ((flags & 1) != 0) Part(h, ruri);
        if ((flags & 2) != 0) Part(h, callId);
        if ((flags & 4) != 0) Part(h, fromTag);
        if ((flags & 8) != 0) Part(h, srcIp);
        Span<byte> full = stackalloc byte[32];
        h.GetHashAndReset(full);
        ulong tag = BinaryPrimitives.ReadUInt64BigEndian(full);
        return tag == 0 ? 1 : tag;

        static void Part(IncrementalHash h, ReadOnlySpan<byte> p)
        {
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(len, p.Length);
            h.AppendData(len);
            h.AppendData(p);
        }
    }

    private void Mac(ReadOnlySpan<byte> data, Span<byte> dest16)
    {
        Span<byte> full = stackalloc byte[32];
        var h = Hmac();
        h.AppendData(data);
        h.GetHashAndReset(full);
        full[..16].CopyTo(dest16);
    }

    // One keyed HMAC per thread, reset after each use: a one-shot HMACSHA256.HashData sets up and frees a
    // context and schedules the key every time, which costs more than hashing a nonce's 21 bytes.
    [ThreadStatic] private static IncrementalHash? t_hmac;
    [ThreadStatic] private static Nonces? t_hmacOwner;

    private IncrementalHash Hmac()
    {
        if (!ReferenceEquals(t_hmacOwner, this) || t_hmac is null)
        {
            t_hmac?.Dispose();
            t_hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
            t_hmacOwner = this;
        }
        return t_hmac;
    }
}
