namespace Osprey.Sip.Tests;

/// <summary>Loads the RFC 4475 / RFC 5118 vectors copied into TestData.</summary>
internal static class TestVectors
{
    public static string Dir(string set) => Path.Combine(AppContext.BaseDirectory, "TestData", set);

    public static byte[] Load(string set, string name) => File.ReadAllBytes(Path.Combine(Dir(set), name + ".dat"));

    /// <summary>Manifest rows as name → (category, expectation).</summary>
    public static IReadOnlyList<(string Name, string Category, string Expectation)> Manifest(string set)
    {
        var rows = new List<(string, string, string)>();
        foreach (var line in File.ReadLines(Path.Combine(Dir(set), "manifest.tsv")).Skip(1))
        {
            var f = line.Split('\t');
            if (f.Length > 3) rows.Add((f[0], f[2], f[3]));
        }
        return rows;
    }
}
