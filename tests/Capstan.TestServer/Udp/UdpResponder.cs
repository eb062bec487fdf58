using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.TestServer.Endpoints;
using Capstan.TestServer.Lifecycle;

namespace Capstan.TestServer.Udp;

/// <summary>Answers one datagram per datagram: "hostname", "echo MSG", "clientip" (for Service UDP tests).</summary>
internal sealed class UdpResponder : IDisposable
{
    private readonly Socket _socket;
    private readonly ServerIdentity _identity;

    private UdpResponder(Socket socket, ServerIdentity identity)
    {
        _socket = socket;
        _identity = identity;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public static UdpResponder Bind(IPEndPoint endPoint, ServerIdentity identity)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new UdpResponder(socket, identity);
    }

    public static string Answer(string command, ServerIdentity identity, EndPoint? client)
    {
        command = command.TrimEnd('\r', '\n');
        if (command == "hostname")
        {
            return identity.Hostname;
        }

        if (command == "clientip")
        {
            return client is IPEndPoint ip ? ip.Address.ToString() : "";
        }

        return command.StartsWith("echo ", StringComparison.Ordinal) ? command["echo ".Length..] : $"unknown command '{command}'";
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                var command = Encoding.UTF8.GetString(buffer, 0, received.ReceivedBytes);
                var answer = Answer(command, _identity, received.RemoteEndPoint);
                ServerLog.Line($"{received.RemoteEndPoint} udp {command.TrimEnd('\r', '\n')}");
                await _socket.SendToAsync(Encoding.UTF8.GetBytes(answer), SocketFlags.None, received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP "port unreachable" from an earlier answer surfaces here on Linux: keep serving.
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
