using System.Data.Common;
using System.Net;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Data;

namespace Osprey.Modules.Permissions;

/// <summary>One row of the address table: an exact IP or subnet (or a DNS name, matched literally), a port (0: any).</summary>
public sealed record AddressEntry(int Group, string Address, IPNetwork? Network, int Port, string? Tag);

/// <summary>
/// permissions (address part): the <c>address</c> table cached in memory as an immutable snapshot,
/// reloaded by <c>permissions.addressReload</c>; allow_source_address, allow_address,
/// allow_source_address_group, allow_address_group.
/// </summary>
[Module("permissions")]
public sealed class PermissionsModule : ModuleBase, IDisposable
{
    private Database? _db;
    private AddressEntry[] _entries = [];

    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("address_table")] public string AddressTable { get; set; } = "address";
    [ModParam("grp_col")] public string GroupColumn { get; set; } = "grp";
    [ModParam("ip_addr_col")] public string IpColumn { get; set; } = "ip_addr";
    [ModParam("mask_col")] public string MaskColumn { get; set; } = "mask";
    [ModParam("port_col")] public string PortColumn { get; set; } = "port";
    /// <summary>Which backends load: 1 the address table (the one Osprey has so far), 2 trusted, 4 allow
    /// file, 8 deny file; the default loads all.</summary>
    [ModParam("load_backends")] public int LoadBackends { get; set; } = 0xffff;

    public override string? Init()
    {
        if ((LoadBackends & 1) == 0) return null; // no address table: allow_source_address matches nothing
        if (!Database.TryOpen(DbUrl, out var db, out var err)) return "permissions: " + err;
        _db = db;
        var v = db.CheckTableVersion(AddressTable, Data.Schema.KamailioSchema.Address.Version);
        if (v is not null) return "permissions: " + v;
        var r = AddressReload();
        return r.IsOk ? null : "permissions: " + r.Message;
    }

    /// <summary>permissions.addressReload.</summary>
    [Rpc("permissions.addressReload", "Reload the address table")]
    public Usrloc.RpcStatus AddressReload()
    {
        if (_db is null) return Usrloc.RpcStatus.Internal("the address table is not loaded (load_backends)");
        try
        {
            var rows = _db.Select(AddressTable, [GroupColumn, IpColumn, MaskColumn, PortColumn, "tag"]);
            var list = new List<AddressEntry>(rows.Count);
            foreach (var r in rows)
            {
                string ip = r.GetString(1) ?? "";
                int mask = (int)r.GetInt64(2, 32);
                IPNetwork? net = null;
                if (IPAddress.TryParse(ip, out var addr))
                {
                    int max = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
                    if (mask < 0 || mask > max) mask = max;
                    // IPNetwork needs the base address with host bits clear
                    net = new IPNetwork(MaskOff(addr, mask), mask);
                }
                list.Add(new AddressEntry((int)r.GetInt64(0, 1), ip, net, (int)r.GetInt64(3), r.GetString(4)));
            }
            Volatile.Write(ref _entries, [.. list]);
            return Usrloc.RpcStatus.Ok;
        }
        catch (DbException ex)
        {
            return Usrloc.RpcStatus.Internal("cannot read " + AddressTable + " from " + _db!.Url.Display + ": " + ex.Message);
        }
    }

    private static IPAddress MaskOff(IPAddress a, int prefix)
    {
        var b = a.GetAddressBytes();
        for (int i = 0; i < b.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(b);
    }

    /// <summary>permissions.addressDump.</summary>
    [Rpc("permissions.addressDump", "List the cached address table")]
    public IReadOnlyList<AddressEntry> AddressDump() => Volatile.Read(ref _entries);

    /// <summary>The group of the first entry matching address and port (in the given group when group &gt; 0), or -1.</summary>
    public int Match(int group, IPAddress? ip, string host, int port)
    {
        if (ip is not null && ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        foreach (var e in Volatile.Read(ref _entries))
        {
            if (group > 0 && e.Group != group) continue;
            if (e.Port != 0 && e.Port != port) continue;
            bool hit = ip is not null && e.Network is { } n ? n.Contains(ip) : e.Network is null && string.Equals(e.Address, host, StringComparison.OrdinalIgnoreCase);
            if (hit) return e.Group;
        }
        return -1;
    }

    /// <summary>allow_source_address([group]): the request's source address and port in the group (default 1).</summary>
    [Function("allow_source_address", RouteTypes.Request | RouteTypes.Failure)]
    public int AllowSourceAddress(MessageContext ctx) => AllowSourceAddress(ctx, 1);

    [Function("allow_source_address", RouteTypes.Request | RouteTypes.Failure)]
    public int AllowSourceAddress(MessageContext ctx, int group) => Match(group, ctx.Source.Address, "", ctx.Source.Port) > 0 ? 1 : -1;

    /// <summary>allow_address(group, addr, port).</summary>
    [Function("allow_address", RouteTypes.Request | RouteTypes.Failure)]
    public int AllowAddress(MessageContext ctx, int group, string addr, int port)
        => Match(group, IPAddress.TryParse(addr, out var ip) ? ip : null, addr, port) > 0 ? 1 : -1;

    /// <summary>allow_source_address_group(): the group of the source address, or -1.</summary>
    [Function("allow_source_address_group", RouteTypes.Request | RouteTypes.Failure)]
    public int AllowSourceAddressGroup(MessageContext ctx) => Match(0, ctx.Source.Address, "", ctx.Source.Port);

    /// <summary>allow_address_group(addr, port): the group of the address, or -1.</summary>
    [Function("allow_address_group", RouteTypes.Any)]
    public int AllowAddressGroup(MessageContext ctx, string addr, int port)
        => Match(0, IPAddress.TryParse(addr, out var ip) ? ip : null, addr, port);

    public void Dispose()
    {
        _db?.Dispose();
        _db = null;
    }
}
