using System.Globalization;

namespace Osprey.Modules.Usrloc;

/// <summary>
/// Record unique ids of the bindings this process makes: "uloc-&lt;start time&gt;-&lt;pid&gt;-&lt;n&gt;" (hex), unique
/// across restarts by the start time and across nodes sharing a database by the process id, as
/// Kamailio's are. One counter per process, so a reload that makes new tables cannot repeat one.
/// </summary>
internal static class Ruids
{
    private static readonly string Prefix = "uloc-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture) +
        "-" + Environment.ProcessId.ToString("x", CultureInfo.InvariantCulture) + "-";

    private static long _counter;

    public static string Next() => Prefix + Interlocked.Increment(ref _counter).ToString("x", CultureInfo.InvariantCulture);
}
