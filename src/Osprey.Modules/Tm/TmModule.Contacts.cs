using Osprey.Core.Modules;

namespace Osprey.Modules.Tm;

public sealed partial class TmModule
{
    /// <summary>
    /// contacts_avp: in Kamailio the XAVP where <c>t_load_contacts()</c> keeps the destination set for
    /// <c>t_next_contacts()</c>; the functions are disabled while it is unset. Osprey keeps the loaded
    /// contacts with the transaction itself, so the functions work either way; the name is accepted so
    /// that configs setting it start unchanged (the XAVP is not filled).
    /// </summary>
    [ModParam("contacts_avp")] public string ContactsAvp { get; set; } = "";

    /// <summary>contact_flows_avp: Kamailio's XAVP for contacts skipped because they share a
    /// +sip.instance (RFC 5626 flows), restored by <c>t_next_contact_flow()</c>. Accepted; Osprey does not
    /// split flows yet, so every contact of a q group is tried in parallel.</summary>
    [ModParam("contact_flows_avp")] public string ContactFlowsAvp { get; set; } = "";
}
