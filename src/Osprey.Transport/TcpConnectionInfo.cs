using System.Net;

namespace Osprey.Transport;

/// <summary>One open stream connection, as listed by <see cref="TransportHost.GetConnections"/> (<c>core.tcp_info</c>).</summary>
/// <param name="Id">The connection id carried by <see cref="InboundMessage.ConnectionId"/>.</param>
/// <param name="Listener">The listen socket the connection belongs to.</param>
/// <param name="Local">The connection's own local address and port.</param>
/// <param name="Remote">The peer.</param>
/// <param name="Outbound">True when Osprey opened it.</param>
/// <param name="Age">Time since it was opened.</param>
/// <param name="Idle">Time since the last byte was read or written.</param>
public readonly record struct TcpConnectionInfo(long Id, ListenEndpoint Listener, IPEndPoint? Local, IPEndPoint Remote, bool Outbound, TimeSpan Age, TimeSpan Idle);
