using System.Text;
using Osprey.Sip.Multipart;
using Osprey.Sip.Tests.Sdp;

namespace Osprey.Sip.Tests.Multipart;

public class MultipartTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static string S(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    [Fact]
    public void Mpart01_two_parts_with_binary_octets()
    {
        var body = TestMessages.Body("rfc4475/mpart01.dat");
        Assert.True(MultipartBody.TryGetBoundary("multipart/mixed;boundary=7a9cbec02ceef655"u8, out var boundary, out _));
        Span<MultipartPart> parts = new MultipartPart[4];
        Assert.True(MultipartBody.TrySplit(body, boundary, parts, out int count, out var error), error.ToString());
        Assert.Equal(2, count);

        ReadOnlySpan<byte> b = body;
        Assert.True(parts[0].TryGetContentType(b, out var ct0));
        Assert.Equal("text/plain", S(ct0));
        Assert.Equal("Hello", S(b[parts[0].Body]));

        Assert.True(parts[1].TryGetContentType(b, out var ct1));
        Assert.Equal("application/octet-stream", S(ct1));
        Assert.True(parts[1].TryGetHeader(b, "content-transfer-encoding"u8, out var cte));
        Assert.Equal("binary", S(cte));
        var binary = b[parts[1].Body];
        Assert.Equal(0x30, binary[0]);
        Assert.Equal(0x82, binary[1]);

        // The binary part runs to the CRLF before the close delimiter.
        int close = b.IndexOf("\r\n--7a9cbec02ceef655--"u8);
        Assert.Equal(close, parts[1].BodyStart + parts[1].BodyLength);
        Assert.Contains((byte)'\n', binary.ToArray());
    }

    [Theory]
    [InlineData("multipart/mixed; boundary=\"simple boundary\"", "simple boundary")]
    [InlineData("multipart/related;type=\"application/sdp\";BOUNDARY=abc", "abc")]
    [InlineData("multipart/mixed ; charset=x ; boundary = unique-boundary-1 ; x=y", "unique-boundary-1")]
    public void Boundary_parameter_quoted_or_not(string contentType, string expected)
    {
        Assert.True(MultipartBody.IsMultipart(B(contentType)));
        Assert.True(MultipartBody.TryGetBoundary(B(contentType), out var boundary, out var e), e.ToString());
        Assert.Equal(expected, S(boundary));
    }

    [Theory]
    [InlineData("multipart/mixed")]
    [InlineData("multipart/mixed; boundary=\"open")]
    [InlineData("multipart/mixed; boundary=\"\"")]
    public void Missing_or_bad_boundary_is_an_error(string contentType)
    {
        Assert.False(MultipartBody.TryGetBoundary(B(contentType), out _, out var e));
        Assert.Equal(MultipartErrorCode.MissingBoundary, e.Code);
    }

    [Fact]
    public void Preamble_epilogue_padding_and_headerless_part()
    {
        var body = B("This is the preamble.\r\n--xyz  \r\n\r\nno headers\r\n--xyz\r\nContent-Type: application/sdp\r\nContent-ID:\r\n <sdp@x>\r\n\r\nv=0\r\n\r\n--xyz--\r\nepilogue\r\n");
        var reader = new MultipartReader(body, "xyz"u8);
        Assert.True(reader.TryReadNext(out var p0));
        Assert.Equal(0, p0.HeadersLength);
        Assert.Equal("no headers", S(body.AsSpan()[p0.Body]));
        Assert.True(reader.TryReadNext(out var p1));
        Assert.Equal("v=0\r\n", S(body.AsSpan()[p1.Body]));
        Assert.True(p1.TryGetContentId(body, out var cid));
        Assert.Equal("<sdp@x>", S(cid));
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(MultipartErrorCode.None, reader.Error.Code);
        Assert.Equal("epilogue\r\n", S(body.AsSpan(reader.EpilogueStart)));
    }

    [Fact]
    public void Lf_only_and_empty_part()
    {
        var body = B("--b\n\n--b\nContent-Disposition: session\n\nx\n--b--");
        Span<MultipartPart> parts = new MultipartPart[2];
        Assert.True(MultipartBody.TrySplit(body, "b"u8, parts, out int n, out var e), e.ToString());
        Assert.Equal(2, n);
        Assert.Equal(0, parts[0].BodyLength);
        Assert.True(parts[1].TryGetContentDisposition(body, out var cd));
        Assert.Equal("session", S(cd));
        Assert.Equal("x", S(body.AsSpan()[parts[1].Body]));
    }

    [Fact]
    public void Nested_multipart_with_absolute_offsets()
    {
        var body = B("--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nA\r\n--inner\r\nContent-Type: text/html\r\n\r\n<b>A</b>\r\n--inner--\r\n--outer\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--outer--\r\n");
        Span<MultipartPart> outer = new MultipartPart[4];
        Assert.True(MultipartBody.TrySplit(body, "outer"u8, outer, out int n, out var e), e.ToString());
        Assert.Equal(2, n);
        Assert.True(outer[0].TryGetContentType(body, out var ct));
        Assert.True(MultipartBody.TryGetBoundary(ct, out var innerBoundary, out _));
        var inner = new MultipartReader(body.AsSpan()[outer[0].Body], innerBoundary, outer[0].BodyStart);
        Assert.True(inner.TryReadNext(out var a));
        Assert.True(inner.TryReadNext(out var h));
        Assert.False(inner.TryReadNext(out _));
        Assert.Equal(MultipartErrorCode.None, inner.Error.Code);
        Assert.Equal("A", S(body.AsSpan()[a.Body]));
        Assert.Equal("<b>A</b>", S(body.AsSpan()[h.Body]));
        Assert.Equal("v=0", S(body.AsSpan()[outer[1].Body]));
    }

    [Theory]
    [InlineData("--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n", MultipartErrorCode.MissingCloseDelimiter)]
    [InlineData("no delimiter at all", MultipartErrorCode.NoParts)]
    [InlineData("--b--\r\n", MultipartErrorCode.NoParts)]
    [InlineData("--bogus\r\n\r\nx\r\n--b--", MultipartErrorCode.NoParts)]
    [InlineData("--b junk\r\n\r\nx\r\n--b--", MultipartErrorCode.NoParts)]
    [InlineData("--b\r\n\r\nx\r\n--b", MultipartErrorCode.MissingCloseDelimiter)]
    [InlineData("--b\r\n\r\nx\r\n--bb--", MultipartErrorCode.MissingCloseDelimiter)]
    [InlineData("--b\r\nhello\r\n--b--", MultipartErrorCode.MalformedPartHeaders)]
    public void Malformed_bodies_are_errors(string text, MultipartErrorCode code)
    {
        Span<MultipartPart> parts = new MultipartPart[4];
        Assert.False(MultipartBody.TrySplit(B(text), "b"u8, parts, out _, out var e));
        Assert.Equal(code, e.Code);
        Assert.False(string.IsNullOrEmpty(e.Reason));
    }

    [Fact]
    public void Too_many_parts_for_destination()
    {
        Span<MultipartPart> parts = new MultipartPart[1];
        Assert.False(MultipartBody.TrySplit(B("--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b--"), "b"u8, parts, out int n, out var e));
        Assert.Equal(1, n);
        Assert.Equal(MultipartErrorCode.TooManyParts, e.Code);
    }
}
