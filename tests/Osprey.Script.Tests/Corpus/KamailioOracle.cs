using System.Diagnostics;

namespace Osprey.Script.Tests.Corpus;

/// <summary>
/// Runs the installed Kamailio as the reference: `kamailio -c` for acceptance and
/// `kamailio --cfg-print` for preprocessing. Uses a private module directory where db_mysql is
/// db_sqlite (the MySQL module is not packaged on the build machines).
/// </summary>
internal sealed class KamailioOracle : IDisposable
{
    public const string Binary = "/usr/sbin/kamailio";
    public const string DefaultConfig = "/etc/kamailio/kamailio.cfg";
    public const string ExamplesDirectory = "/usr/share/doc/kamailio/examples";
    private static readonly string[] ModuleDirectories = ["/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules"];

    /// <summary>Each WITH_* define of the default config with the defines it documents as prerequisites.</summary>
    public static readonly (string Name, string[] Defines)[] DefaultConfigVariants =
    [
        ("none", []),
        ("WITH_DEBUG", ["WITH_DEBUG"]),
        ("WITH_MYSQL", ["WITH_MYSQL"]),
        ("WITH_AUTH", ["WITH_MYSQL", "WITH_AUTH"]),
        ("WITH_IPAUTH", ["WITH_MYSQL", "WITH_AUTH", "WITH_IPAUTH"]),
        ("WITH_USRLOCDB", ["WITH_MYSQL", "WITH_USRLOCDB"]),
        ("WITH_PRESENCE", ["WITH_MYSQL", "WITH_PRESENCE"]),
        ("WITH_MSGREBUILD", ["WITH_MYSQL", "WITH_PRESENCE", "WITH_MSGREBUILD"]),
        ("WITH_NAT", ["WITH_NAT"]),
        ("WITH_NATSIPPING", ["WITH_NAT", "WITH_NATSIPPING"]),
        ("WITH_RTPENGINE", ["WITH_NAT", "WITH_RTPENGINE"]),
        ("WITH_PSTN", ["WITH_PSTN"]),
        ("WITH_ALIASDB", ["WITH_MYSQL", "WITH_ALIASDB"]),
        ("WITH_SPEEDDIAL", ["WITH_MYSQL", "WITH_SPEEDDIAL"]),
        ("WITH_MULTIDOMAIN", ["WITH_MYSQL", "WITH_MULTIDOMAIN"]),
        ("WITH_TLS", ["WITH_TLS"]),
        ("WITH_JSONRPC", ["WITH_JSONRPC"]),
        ("WITH_ANTIFLOOD", ["WITH_ANTIFLOOD"]),
        ("WITH_BLOCK3XX", ["WITH_BLOCK3XX"]),
        ("WITH_BLOCK401407", ["WITH_BLOCK401407"]),
        ("WITH_VOICEMAIL", ["WITH_PSTN", "WITH_VOICEMAIL"]),
        ("WITH_ACCDB", ["WITH_MYSQL", "WITH_ACCDB"]),
        ("tier2", ["WITH_MYSQL", "WITH_AUTH", "WITH_USRLOCDB", "WITH_NAT", "WITH_ANTIFLOOD", "WITH_IPAUTH", "WITH_ACCDB", "WITH_TLS", "WITH_PRESENCE", "WITH_MULTIDOMAIN"]),
    ];

    private readonly string _work;
    public string ModuleShim { get; }

    public static bool Available => File.Exists(Binary) && File.Exists(DefaultConfig);

    public KamailioOracle()
    {
        _work = Directory.CreateTempSubdirectory("osprey-kam-").FullName;
        ModuleShim = Path.Combine(_work, "modules");
        Directory.CreateDirectory(ModuleShim);
        var source = ModuleDirectories.FirstOrDefault(Directory.Exists);
        if (source == null) return;
        foreach (var so in Directory.EnumerateFiles(source, "*.so"))
        {
            File.CreateSymbolicLink(Path.Combine(ModuleShim, Path.GetFileName(so)), so);
        }
        var sqlite = Path.Combine(source, "db_sqlite.so");
        var mysql = Path.Combine(ModuleShim, "db_mysql.so");
        if (File.Exists(sqlite) && !File.Exists(mysql)) File.CreateSymbolicLink(mysql, sqlite);
    }

    /// <summary>Example configs that stand alone (include fragments are checked through their includer).</summary>
    public static IEnumerable<string> ExampleConfigs() =>
        Directory.Exists(ExamplesDirectory)
            ? Directory.EnumerateFiles(ExamplesDirectory, "*.cfg", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/ims/pcscf/route/", StringComparison.Ordinal) &&
                            !f.EndsWith("kamailio-basic-kemi-native.cfg", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
            : [];

    public (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> defines, bool print)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _work,
        };
        if (print) psi.ArgumentList.Add("--cfg-print");
        else psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(ModuleShim);
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(file);
        foreach (var d in defines)
        {
            psi.ArgumentList.Add("-A");
            psi.ArgumentList.Add(d);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "", "timeout");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
