using System.Text;
using Osprey.Script.Runtime;

namespace Osprey.Script.Tests.Runtime;

/// <summary>A message value handed to a function as a string ("$fd" for auth_check with every REGISTER)
/// is the right text every time, and costs no new string per message when it repeats.</summary>
public sealed class RecentStringsTests
{
    [Theory]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData("bücher.example")]
    [InlineData("a-domain-name-longer-than-the-sixty-four-bytes-the-table-keeps.example.com")]
    public void Gives_the_text_of_the_bytes(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < 3; i++)
            Assert.Equal(text, RecentStrings.Get(bytes));
    }

    [Fact]
    public void A_repeating_value_costs_no_allocation_once_seen_twice()
    {
        var bytes = "sip.example.org"u8.ToArray();
        var first = RecentStrings.Get(bytes);
        var second = RecentStrings.Get(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string third = "";
        for (int i = 0; i < 1000; i++)
            third = RecentStrings.Get(bytes);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("sip.example.org", third);
        Assert.Same(second, third);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Values_that_never_repeat_cost_only_their_strings_and_keep_the_repeating_one()
    {
        var domain = "gw.example.net"u8.ToArray();
        RecentStrings.Get(domain);
        var kept = RecentStrings.Get(domain);
        var callIds = new byte[500][];
        long expected = 0;
        for (int i = 0; i < callIds.Length; i++)
        {
            callIds[i] = Encoding.ASCII.GetBytes("a84b4c76e66710-" + i + "@pc33.example.com");
            expected += StringSize(callIds[i].Length);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < callIds.Length; i++)
        {
            // each Call-ID once, the domain in between: a Call-ID is never admitted, so the domain stays
            RecentStrings.Get(callIds[i]);
            RecentStrings.Get(domain);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= expected, $"{allocated} bytes for strings of {expected}");
        Assert.Equal("gw.example.net", RecentStrings.Get(domain));
        Assert.Equal(kept, RecentStrings.Get(domain));
    }

    // a string object of n ASCII chars on 64-bit .NET: 8 header + 8 method table + 4 length + 2(n+1), 8-aligned
    private static long StringSize(int chars) => (20 + (2 * (chars + 1)) + 7) & ~7L;
}
