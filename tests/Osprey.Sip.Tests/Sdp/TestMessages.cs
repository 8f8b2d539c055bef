namespace Osprey.Sip.Tests.Sdp;

/// <summary>Loads the RFC 4475/5118 messages in TestData and cuts out their bodies.</summary>
internal static class TestMessages
{
    private static readonly string Root = FindRoot();

    public static byte[] Load(string relativePath) => File.ReadAllBytes(Path.Combine(Root, relativePath));

    /// <summary>The bytes after the first empty line (CRLF CRLF or LF LF).</summary>
    public static byte[] Body(string relativePath)
    {
        var message = Load(relativePath);
        ReadOnlySpan<byte> span = message;
        int crlf = span.IndexOf("\r\n\r\n"u8);
        int lf = span.IndexOf("\n\n"u8);
        int start = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf + 2;
        return span[start..].ToArray();
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Osprey.Sip.Tests", "TestData");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            dir = dir.Parent;
        }

        throw new DirectoryNotFoundException("tests/Osprey.Sip.Tests/TestData not found above " + AppContext.BaseDirectory);
    }
}
