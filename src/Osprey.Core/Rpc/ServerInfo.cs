using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Osprey.Core.Rpc;

/// <summary>What the server says about itself in <c>core.version</c>, <c>core.info</c> and <c>core.uptime</c>.</summary>
public static class ServerInfo
{
    public const string Name = "osprey";

    /// <summary>The version, e.g. <c>0.1.0</c> (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>Kamailio's <c>(x86_64/linux)</c> part.</summary>
    public static string Platform { get; } = "(" + Arch() + "/" + Os() + ")";

    /// <summary>The whole version line, like <c>kamailio 5.6.3 (x86_64/linux)</c>.</summary>
    public static string VersionLine { get; } = Name + " " + Version + " " + Platform;

    /// <summary>When this process started (local time is used for display, as Kamailio does).</summary>
    public static DateTime StartedAt { get; } = ReadStart();

    /// <summary>C's ctime() layout without the newline: <c>Mon Nov 23 18:17:02 2026</c>.</summary>
    public static string CTime(DateTime local) =>
        local.ToString("ddd MMM ", CultureInfo.InvariantCulture)
        + local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
        + local.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);

    /// <summary>
    /// Managed heap bytes in use (heap minus free space). <see cref="GC.GetTotalMemory"/> can come back
    /// negative under the regions GC (dotnet/runtime#106712); then the figures of the last collection are used.
    /// </summary>
    public static long ManagedHeapInUse()
    {
        long v = GC.GetTotalMemory(false);
        if (v >= 0)
            return v;
        var info = GC.GetGCMemoryInfo();
        return Math.Max(0, info.HeapSizeBytes - info.FragmentedBytes);
    }

    private static string ReadVersion()
    {
        var v = typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(ServerInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }

    private static DateTime ReadStart()
    {
        try
        {
            return System.Diagnostics.Process.GetCurrentProcess().StartTime;
        }
        catch (InvalidOperationException)
        {
            return DateTime.Now;
        }
    }

    private static string Arch() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i386",
        var a => a.ToString().ToLowerInvariant(),
    };

    private static string Os() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsWindows() ? "windows" : "unknown";
}
