namespace Osprey.Core.Modules;

/// <summary>An extra branch of the request (<c>append_branch</c>): where a forked copy goes.</summary>
public sealed class Branch
{
    public string Uri { get; set; } = "";
    public string? DestinationUri { get; set; }
    /// <summary>q value times 1000, or -1 when not given.</summary>
    public int Q { get; set; } = -1;
    /// <summary>Branch flags (<c>setbflag(flag, index)</c>).</summary>
    public ulong Flags { get; set; }
    public string? Path { get; set; }
    public string? Ruid { get; set; }
}

/// <summary>
/// The destination set: branches added to the request besides the Request-URI itself (branch 0, whose
/// flags live on the context). tm forks to the Request-URI and every branch.
/// </summary>
public sealed class DestinationSet
{
    private readonly List<Branch> _branches = [];

    public int Count => _branches.Count;
    public Branch this[int index] => _branches[index];

    public void Clear() => _branches.Clear();

    public Branch Add(string uri, string? destination = null, int q = -1, ulong flags = 0)
    {
        var b = new Branch { Uri = uri, DestinationUri = destination, Q = q, Flags = flags };
        _branches.Add(b);
        return b;
    }

    public void RemoveAt(int index) => _branches.RemoveAt(index);

    public IReadOnlyList<Branch> Branches => _branches;
}
