using System.Net;
using System.Net.Sockets;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// A connection to one backend endpoint: owned by a client session while it carries that session's exchange, otherwise
/// idle in its loop's pool, where any readable event (the backend closing it) retires it.
/// </summary>
internal sealed class Http1Upstream : Http1Socket
{
    private Http1Upstream(Socket socket, Http1EventLoop loop, IPEndPoint endPoint)
        : base(socket, loop)
    {
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public Http1Session? Owner { get; set; }

    /// <summary>The non-blocking connect has not completed yet (the socket becomes writable when it does).</summary>
    public bool Connecting { get; private set; }

    /// <summary>Environment.TickCount64 when the connect started or the connection went idle (for timeouts).</summary>
    public long Since { get; set; }

    /// <summary>Starts a non-blocking connect; null when it fails at once (no route, refused on loopback).</summary>
    public static Http1Upstream? Connect(Http1EventLoop loop, IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Http1Upstream upstream;
        try
        {
            upstream = new Http1Upstream(socket, loop, endPoint) { Since = Environment.TickCount64 };
            try
            {
                socket.Connect(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                upstream.Connecting = true;
            }
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }

        return upstream;
    }

    /// <summary>Called when the socket turns writable while connecting: whether the connect succeeded.</summary>
    public bool CompleteConnect()
    {
        Connecting = false;
        try
        {
            return Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public override void OnEvents(uint events)
    {
        if (Owner is { } owner)
        {
            owner.OnUpstreamEvents(events);
        }
        else
        {
            // Idle in the pool: the backend closed it (or sent bytes nobody asked for). Either way it cannot be reused.
            Close(reset: false);
        }
    }

    public void Close(bool reset)
    {
        Owner = null;
        CloseSocket(reset);
    }
}
