using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Capstan.Network.Ingress.Http1;

/// <summary>A non-blocking socket in an event loop's epoll set; its events are handled on that loop's thread only.</summary>
internal abstract class Http1Socket
{
    private static readonly LingerOption s_reset = new(true, 0);

    protected Http1Socket(Socket socket, Http1EventLoop loop)
    {
        Socket = socket;
        Socket.Blocking = false;
        Fd = (int)socket.Handle;
        Loop = loop;
        Handle = GCHandle.Alloc(this);
    }

    public Socket Socket { get; }

    public int Fd { get; }

    public Http1EventLoop Loop { get; }

    public GCHandle Handle { get; }

    /// <summary>The epoll interest currently registered.</summary>
    public uint Registered { get; set; }

    /// <summary>In its loop's epoll set (added and not yet removed).</summary>
    public bool InEpoll { get; set; }

    public bool Closed { get; private set; }

    public abstract void OnEvents(uint events);

    /// <summary>Leaves the epoll set and closes the socket; with <paramref name="reset"/> the peer gets an RST, not a FIN.</summary>
    protected void CloseSocket(bool reset)
    {
        if (Closed)
        {
            return;
        }

        Closed = true;
        Loop.Remove(this);
        if (reset)
        {
            try
            {
                Socket.LingerState = s_reset;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        Socket.Dispose();
    }
}
