using System.Globalization;
using System.Runtime.InteropServices;

namespace Osprey.Server;

/// <summary>
/// <c>-u</c>/<c>-g</c>: after the listeners are open (ports below 1024 need root), the process gives up
/// root and runs as the named user and group, as Kamailio does. The group is changed first (supplementary
/// groups, then the gid) because after setuid a non-root process can no longer change it. glibc applies
/// setuid/setgid to every thread of the process (POSIX semantics), so the runtime's threads drop too.
/// </summary>
internal static partial class Privileges
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public IntPtr Name;
        public IntPtr Password;
        public uint Uid;
        public uint Gid;
        public IntPtr Gecos;
        public IntPtr Dir;
        public IntPtr Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public IntPtr Name;
        public IntPtr Password;
        public uint Gid;
        public IntPtr Members;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial IntPtr GetPwUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetGrNam(string name);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "initgroups", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InitGroups(string user, uint gid);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint size, ref uint list);

    /// <summary>The user and group to switch to, resolved before anything is opened, so a typo fails fast.</summary>
    internal sealed record Target(uint Uid, uint Gid, string? UserName, bool ChangeUser, bool ChangeGroup);

    /// <summary>Looks up <paramref name="user"/> and <paramref name="group"/> (names or numbers); null and a
    /// message when one does not exist or the switch is not allowed (only root can become someone else).</summary>
    public static Target? Resolve(string? user, string? group, out string? error)
    {
        error = null;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            error = "-u/-g are only available on Unix";
            return null;
        }
        uint uid = GetEuid(), gid = GetEgid();
        string? userName = null;
        if (user is not null)
        {
            var pw = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? GetPwUid(n) : GetPwNam(user);
            if (pw == IntPtr.Zero)
            {
                if (!uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out n))
                {
                    error = "-u " + user + ": no such user";
                    return null;
                }
                uid = n; // a bare uid without a passwd entry
            }
            else
            {
                var p = Marshal.PtrToStructure<Passwd>(pw);
                uid = p.Uid;
                gid = p.Gid; // the user's primary group unless -g says otherwise
                userName = Marshal.PtrToStringUTF8(p.Name);
            }
        }
        if (group is not null)
        {
            if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var g)) gid = g;
            else
            {
                var gr = GetGrNam(group);
                if (gr == IntPtr.Zero)
                {
                    error = "-g " + group + ": no such group";
                    return null;
                }
                gid = Marshal.PtrToStructure<Group>(gr).Gid;
            }
        }
        bool changeUser = user is not null && uid != GetEuid();
        bool changeGroup = (group is not null || user is not null) && gid != GetEgid();
        if ((changeUser || changeGroup) && GetEuid() != 0)
        {
            error = (changeUser ? "-u " + user : "-g " + group) + ": osprey runs as uid " + GetEuid() +
                " and only root can switch to another user or group; start it as root (it drops privileges after opening its sockets) or leave out -u/-g";
            return null;
        }
        return new Target(uid, gid, userName, changeUser, changeGroup);
    }

    /// <summary>Switches to <paramref name="target"/>; null on success, else why not.</summary>
    public static string? Drop(Target target)
    {
        if (target.ChangeGroup || target.ChangeUser)
        {
            // Supplementary groups: the user's own (initgroups), or just the one gid.
            int rc;
            if (target.UserName is not null) rc = InitGroups(target.UserName, target.Gid);
            else
            {
                uint g = target.Gid;
                rc = SetGroups(1, ref g);
            }
            if (rc != 0) return "cannot set the supplementary groups: " + Marshal.GetLastPInvokeErrorMessage();
            if (SetGid(target.Gid) != 0) return "setgid(" + target.Gid + ") failed: " + Marshal.GetLastPInvokeErrorMessage();
        }
        if (target.ChangeUser && SetUid(target.Uid) != 0) return "setuid(" + target.Uid + ") failed: " + Marshal.GetLastPInvokeErrorMessage();
        return null;
    }
}
