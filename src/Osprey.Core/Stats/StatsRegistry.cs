using System.Diagnostics.CodeAnalysis;

namespace Osprey.Core.Stats;

/// <summary>A group of statistics (Kamailio: one per module, plus <c>core</c>, <c>shmem</c>, ...).</summary>
public sealed class StatGroup
{
    private Statistic[] _items = [];

    internal StatGroup(string name)
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>The group's statistics in registration order (a snapshot; enumerating allocates nothing).</summary>
    public ReadOnlySpan<Statistic> Statistics => Volatile.Read(ref _items);

    internal void Add(Statistic s)
    {
        var next = new Statistic[_items.Length + 1];
        _items.CopyTo(next, 0);
        next[^1] = s;
        Volatile.Write(ref _items, next);
    }
}

/// <summary>
/// All statistics of the server, registered by group and name as Kamailio names them, serving
/// <c>stats.get_statistics</c> (<c>all</c>, <c>group:</c>, <c>group:name</c>, <c>name</c>) and
/// Prometheus. Registration happens at start-up (copy-on-write); lookups and enumeration are
/// lock-free and allocate nothing. Names compare case-insensitively.
/// </summary>
public sealed class StatsRegistry
{
    private readonly Lock _gate = new();
    private State _state = new([], [], new(StringComparer.OrdinalIgnoreCase), new(StringComparer.OrdinalIgnoreCase), new(StringComparer.OrdinalIgnoreCase));

    private sealed record State(
        Statistic[] All,
        StatGroup[] Groups,
        Dictionary<string, Statistic> ByFullName,
        Dictionary<string, Statistic> ByName,
        Dictionary<string, StatGroup> GroupsByName);

    /// <summary>Every statistic in registration order.</summary>
    public ReadOnlySpan<Statistic> All => Volatile.Read(ref _state).All;

    /// <summary>Groups in the order their first statistic was registered.</summary>
    public ReadOnlySpan<StatGroup> Groups => Volatile.Read(ref _state).Groups;

    public StatCounter RegisterCounter(string group, string name, StatFlags flags = StatFlags.None)
        => Register(new StatCounter(group, name, flags));

    public StatGauge RegisterGauge(string group, string name, StatFlags flags = StatFlags.None)
        => Register(new StatGauge(group, name, flags));

    /// <summary>Registers a value computed on read by <paramref name="read"/>(<paramref name="state"/>); always no-reset.</summary>
    public ComputedStatistic RegisterComputed(string group, string name, Func<object?, long> read, object? state = null)
        => Register(new ComputedStatistic(group, name, StatFlags.NoReset, read, state));

    private T Register<T>(T stat) where T : Statistic
    {
        ArgumentException.ThrowIfNullOrEmpty(stat.Group);
        ArgumentException.ThrowIfNullOrEmpty(stat.Name);
        if (stat.Group.Contains(':', StringComparison.Ordinal) || stat.Name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("statistic group and name must not contain ':'");
        }

        lock (_gate)
        {
            var old = _state;
            if (old.ByFullName.ContainsKey(stat.FullName))
            {
                // Two registrations of one name is a bug in the registering module.
                throw new InvalidOperationException($"statistic {stat.FullName} is already registered");
            }

            var byFull = new Dictionary<string, Statistic>(old.ByFullName, StringComparer.OrdinalIgnoreCase) { [stat.FullName] = stat };
            var byName = new Dictionary<string, Statistic>(old.ByName, StringComparer.OrdinalIgnoreCase);
            byName.TryAdd(stat.Name, stat);
            var groupsByName = old.GroupsByName;
            var groups = old.Groups;
            if (!groupsByName.TryGetValue(stat.Group, out var group))
            {
                group = new StatGroup(stat.Group);
                groupsByName = new Dictionary<string, StatGroup>(groupsByName, StringComparer.OrdinalIgnoreCase) { [stat.Group] = group };
                groups = [.. groups, group];
            }

            group.Add(stat);
            Volatile.Write(ref _state, new State([.. old.All, stat], groups, byFull, byName, groupsByName));
            return stat;
        }
    }

    /// <summary>
    /// Finds a statistic by <c>group:name</c>, or by bare <c>name</c> (the first registered with that
    /// name in any group, as Kamailio's get_statistics does). Allocates nothing.
    /// </summary>
    public bool TryGet(ReadOnlySpan<char> name, [NotNullWhen(true)] out Statistic? statistic)
    {
        var state = Volatile.Read(ref _state);
        var map = name.Contains(':') ? state.ByFullName : state.ByName;
        return map.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out statistic);
    }

    /// <summary>Finds a group by name (accepts a trailing colon, as in <c>core:</c>).</summary>
    public bool TryGetGroup(ReadOnlySpan<char> name, [NotNullWhen(true)] out StatGroup? group)
    {
        if (name.EndsWith(":"))
        {
            name = name[..^1];
        }

        return Volatile.Read(ref _state).GroupsByName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out group);
    }

    /// <summary>Resets every statistic not marked no-reset; returns how many were reset.</summary>
    public int ResetAll()
    {
        int n = 0;
        foreach (var s in All)
        {
            n += s.Reset() ? 1 : 0;
        }

        return n;
    }

    /// <summary>Resets a group (<c>core</c> or <c>core:</c>), skipping no-reset statistics.</summary>
    public int ResetGroup(ReadOnlySpan<char> group)
    {
        if (!TryGetGroup(group, out var g))
        {
            return 0;
        }

        int n = 0;
        foreach (var s in g.Statistics)
        {
            n += s.Reset() ? 1 : 0;
        }

        return n;
    }
}
