using System.Net;
using System.Net.Sockets;

namespace Capstan.TestServer.Sockets;

/// <summary>Opens a listening TCP socket the way every server here needs it.</summary>
internal static class ListeningSocket
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>Binds and listens at once, so that a connection made after this returns is queued, not refused.</summary>
    public static Socket Open(IPEndPoint endPoint)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restarted container must be able to bind its port again while old connections sit in TIME_WAIT. Plain
            // SO_REUSEADDR: .NET's ReuseAddress option also sets SO_REUSEPORT on Linux, which would let a second server
            // share a taken port silently instead of failing.
            if (OperatingSystem.IsLinux())
            {
                listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }

            listener.Bind(endPoint);
            listener.Listen(512);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Accepts connections until cancelled, handing each to <paramref name="serve"/> without waiting for it.</summary>
    public static async Task AcceptAllAsync(Socket listener, Func<Socket, Task> serve, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }

            _ = serve(client);
        }
    }
}
