using System.Net;
using System.Net.Sockets;

namespace Capstan.Network.Ingress.Http1;

/// <summary>
/// The ingress's plain-HTTP listener: accepts connections and deals them out to event loops (one per CPU) that parse,
/// route and forward HTTP/1.1 themselves (see <see cref="Http1Session"/>). Linux only (epoll).
/// </summary>
internal sealed class Http1Forwarder : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Http1EventLoop[] _loops;
    private readonly Task _accepting;
    private int _next;

    private Http1Forwarder(Socket listener, Http1EventLoop[] loops)
    {
        _listener = listener;
        _loops = loops;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Binds <paramref name="endPoint"/> (throws when it is taken) and starts accepting.</summary>
    public static Http1Forwarder Start(IPEndPoint endPoint, IHttp1Router router, Http1ForwarderOptions options)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                listener.DualMode = true;
            }

            listener.Bind(endPoint);
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var loops = Enumerable.Range(0, Math.Max(1, options.Loops)).Select(i => new Http1EventLoop(i, router, options)).ToArray();
        return new Http1Forwarder(listener, loops);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset while queued, or out of descriptors for a moment: keep accepting.
                continue;
            }

            var loop = _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];
            try
            {
                loop.Add(new Http1Session(client, loop));
            }
            catch (SocketException)
            {
                client.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var loop in _loops)
        {
            loop.Stop();
        }

        // Open client connections are aborted by their loops before this returns.
        await Task.Run(() =>
        {
            foreach (var loop in _loops)
            {
                loop.Join(TimeSpan.FromSeconds(5));
            }
        }).ConfigureAwait(false);
    }
}
