using System.Runtime.InteropServices;

namespace Osprey.Server;

/// <summary>
/// The open-files limit (RLIMIT_NOFILE): every TCP connection is a descriptor, so
/// <c>tcp_max_connections</c> means nothing above it. <c>open_files_limit</c> raises it at start-up as
/// Kamailio's does; the .NET runtime itself already lifts the soft limit to the hard one, so what the
/// parameter adds is raising the hard limit, which needs root with CAP_SYS_RESOURCE.
/// </summary>
internal static partial class OpenFiles
{
    private const int RlimitNofile = 7; // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    /// <summary>The soft limit on open files; null where it cannot be read (not Linux).</summary>
    public static long? Limit()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out var l) != 0)
            return null;
        return l.Current > long.MaxValue ? long.MaxValue : (long)l.Current;
    }

    /// <summary>Descriptors this process has open now; null where it cannot be counted.</summary>
    public static int? InUse()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>open_files_limit</c>: raises the soft limit (and the hard one when it is lower) to at least
    /// <paramref name="wanted"/>; a lower limit is left as it is. Null when done, else why not.
    /// </summary>
    public static string? Raise(long wanted)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        if (GetRLimit(RlimitNofile, out var l) != 0)
            return "open_files_limit: cannot read the open-files limit: " + Marshal.GetLastPInvokeErrorMessage();
        ulong target = (ulong)wanted;
        if (l.Current >= target)
            return null;
        var raised = new RLimit { Current = target, Maximum = Math.Max(l.Maximum, target) };
        if (SetRLimit(RlimitNofile, raised) != 0)
        {
            return "open_files_limit=" + wanted + ": cannot raise the open-files limit above its hard limit " + l.Maximum +
                " (" + Marshal.GetLastPInvokeErrorMessage() + "); that needs root with CAP_SYS_RESOURCE, or a higher " +
                "limit given before start (ulimit -Hn, systemd LimitNOFILE=)";
        }
        return null;
    }

    /// <summary>
    /// A warning when <paramref name="tcpMaxConnections"/> connections could not all be open at once
    /// under the open-files limit; null when they can (or when it cannot be told).
    /// </summary>
    public static string? CheckTcp(int tcpMaxConnections)
    {
        if (Limit() is not long limit || InUse() is not int inUse)
            return null;
        long room = limit - inUse;
        if (tcpMaxConnections <= room)
            return null;
        return "warning: tcp_max_connections=" + tcpMaxConnections + " but only " + Math.Max(room, 0) +
            " more files can be opened (open-files limit " + limit + ", " + inUse + " in use): connections beyond " +
            "that are refused; raise open_files_limit or the hard limit (ulimit -Hn)";
    }
}
