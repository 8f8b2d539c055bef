namespace Osprey.Core.Tests.Dns;

/// <summary>One dnsmasq with the zone most resolver tests read (TTL 300 s unless a test bounds it).</summary>
public sealed class SipDnsFixture : IDisposable
{
    public SipDnsFixture()
    {
        Server = new DnsmasqServer(
            // naptr.test: NAPTR to SCTP (unsupported), TLS and TCP (order 10, preference 10/20), UDP (order 20),
            // and a non-SIP ENUM-style record that must be ignored.
            "--naptr-record=naptr.test,20,10,s,SIP+D2U,,_sip._udp.naptr.test",
            "--naptr-record=naptr.test,10,20,s,SIP+D2T,,_sip._tcp.naptr.test",
            "--naptr-record=naptr.test,10,10,s,SIPS+D2T,,_sips._tcp.naptr.test",
            "--naptr-record=naptr.test,5,10,s,SIP+D2S,,_sip._sctp.naptr.test",
            "--naptr-record=naptr.test,1,10,u,E2U+sip,!^.*$!sip:info@naptr.test!",
            "--srv-host=_sips._tcp.naptr.test,h1.test,5061,0,0",
            "--srv-host=_sip._tcp.naptr.test,h2.test,5070,0,0",
            "--srv-host=_sip._udp.naptr.test,h3.test,5080,0,0",
            "--srv-host=_sip._sctp.naptr.test,h1.test,5090,0,0",
            "--host-record=h1.test,10.0.1.1,fd00::1",
            "--host-record=h2.test,10.0.1.2",
            "--host-record=h3.test,10.0.1.3",

            // srv.test: no NAPTR; _sip._udp with weights 60/30/10 at priority 10 and a backup at 20;
            // _sip._tcp has one target.
            "--srv-host=_sip._udp.srv.test,w1.test,5060,10,60",
            "--srv-host=_sip._udp.srv.test,w2.test,5060,10,30",
            "--srv-host=_sip._udp.srv.test,w3.test,5060,10,10",
            "--srv-host=_sip._udp.srv.test,b1.test,5062,20,0",
            "--srv-host=_sip._tcp.srv.test,w1.test,5063,10,0",
            "--host-record=w1.test,10.0.2.1",
            "--host-record=w2.test,10.0.2.2",
            "--host-record=w3.test,10.0.2.3",
            "--host-record=b1.test,10.0.2.9",

            // plain.test: addresses only.
            "--host-record=plain.test,10.0.3.1,fd00::3",

            // alias.test: a CNAME to h2.test.
            "--cname=alias.test,h2.test",

            // down.test: SRV target "." (service decidedly not available, RFC 2782).
            "--srv-host=_sip._udp.down.test");
    }

    public DnsmasqServer Server { get; }

    public void Dispose() => Server.Dispose();
}
