using System.Text;
using Osprey.Sip.Digest;

namespace Osprey.Sip.Tests.Digest;

public class Md5Tests
{
    // RFC 1321 §A.5, the test suite
    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Matches_the_rfc_1321_test_suite(string input, string expectedHex)
    {
        var hash = new byte[Md5.HashSize];
        Md5.HashData(Encoding.ASCII.GetBytes(input), hash);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(hash));
    }

    /// <summary>Every length across the padding boundaries (55/56: one or two final blocks, 64, 119/120, 128)
    /// against the platform's MD5.</summary>
    [Fact]
    public void Agrees_with_the_platform_md5_for_every_length_up_to_300()
    {
        var data = new byte[300];
        new Random(1321).NextBytes(data);
        var ours = new byte[Md5.HashSize];
        for (int n = 0; n <= data.Length; n++)
        {
            Md5.HashData(data.AsSpan(0, n), ours);
#pragma warning disable CA5351 // the reference, not a use of MD5 for security
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data.AsSpan(0, n))), Convert.ToHexStringLower(ours));
#pragma warning restore CA5351
        }
    }
}
