using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>
/// A TCP listener of one service address: each accepted connection goes to a backend of its route (round robin or
/// affine), retrying the next backend when a connect fails, and is relayed until both sides close. With no backend
/// the client is reset at once, as kube-proxy rejects.
/// </summary>
internal sealed class TcpFrontend : IFrontend
{
    private const int MaxConnectAttempts = 3;
    private static readonly LingerOption s_reset = new(true, 0);

    private readonly Socket _listener;
    private readonly ServiceProxyOptions _options;
    private readonly ConnectionTracker _connections;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private FrontendRoute _route;

    private TcpFrontend(ListenerKey key, Socket listener, FrontendRoute route, ServiceProxyOptions options, ConnectionTracker connections, ILogger logger)
    {
        Key = key;
        _listener = listener;
        _route = route;
        _options = options;
        _connections = connections;
        _logger = logger;
    }

    public ListenerKey Key { get; }

    public FrontendRoute Route
    {
        get => Volatile.Read(ref _route);
        set => Volatile.Write(ref _route, value);
    }

    /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public static TcpFrontend Start(ListenerKey key, FrontendRoute route, ServiceProxyOptions options, ConnectionTracker connections, ILogger logger)
    {
        var socket = new Socket(key.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A listener closed and re-opened on a service change must not wait for TIME_WAIT connections to expire.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(key.Address, key.Port));
            socket.Listen(1024);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var frontend = new TcpFrontend(key, socket, route, options, connections, logger);
        _ = frontend.AcceptLoopAsync();
        return frontend;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
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
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors and the like: keep serving once the pressure passes.
                _logger.LogWarning("accept on {Listener} failed: {Error}", Key, e.SocketErrorCode);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        var route = Route;
        var state = route.State;
        IPAddress? clientIp = null;
        try
        {
            client.NoDelay = true;
            if (state.Affinity)
            {
                clientIp = (client.RemoteEndPoint as IPEndPoint)?.Address;
            }

            var choice = state.Choice(route.Scope);
            var attempts = Math.Min(MaxConnectAttempts, choice.Count);
            for (var attempt = 0; attempt < attempts; attempt++)
            {
                var index = state.Pick(choice, route.Scope, clientIp);
                if (index < 0)
                {
                    break;
                }

                var backend = choice.Backends[index];
                var stats = choice.Stats[index];
                if (await ConnectAsync(backend.EndPoint, stats).ConfigureAwait(false) is not { } upstream)
                {
                    state.ForgetAffinity(clientIp);
                    continue;
                }

                _connections.Add(client);
                try
                {
                    var relay = _options.Relay switch
                    {
                        ProxyRelayMode.Splice when SpliceRelay.IsSupported => SpliceRelay.RelayAsync(client, upstream, stats),
                        ProxyRelayMode.Epoll when EpollRelay.IsSupported => EpollRelay.RelayAsync(client, upstream, stats),
                        _ => BufferRelay.RelayAsync(client, upstream, stats),
                    };
                    await relay.ConfigureAwait(false);
                }
                finally
                {
                    _connections.Remove(client);
                    upstream.Dispose();
                    client.Dispose();
                }

                return;
            }

            Interlocked.Increment(ref state.RejectedCounter.Value);
            Reset(client);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Reset(client);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "relay on {Listener} failed", Key);
            Reset(client);
        }
    }

    private async Task<Socket?> ConnectAsync(IPEndPoint endPoint, BackendStats stats)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var started = Stopwatch.GetTimestamp();
        if (_options.Relay == ProxyRelayMode.Epoll && EpollRelay.IsSupported)
        {
            return ConnectOutsideEngine(socket, endPoint, stats, started);
        }

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            stats.RecordConnected(Stopwatch.GetTimestamp() - started);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            stats.RecordConnectError();
            socket.Dispose();
            return null;
        }
    }

    // A socket connected with ConnectAsync stays registered (edge-triggered) with .NET's own epoll thread, which would
    // then wake for every backend response the epoll relay reads. A non-blocking connect waited out with poll(2)
    // leaves it unregistered; on loopback it completes at once.
    private Socket? ConnectOutsideEngine(Socket socket, IPEndPoint endPoint, BackendStats stats, long started)
    {
        try
        {
            socket.Blocking = false;
            try
            {
                socket.Connect(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                var micros = (int)Math.Min(int.MaxValue, _options.ConnectTimeout.Ticks / 10);
                if (!socket.Poll(micros, SelectMode.SelectWrite) || socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is not 0)
                {
                    throw new SocketException((int)SocketError.ConnectionRefused);
                }
            }

            stats.RecordConnected(Stopwatch.GetTimestamp() - started);
            return socket;
        }
        catch (SocketException)
        {
            stats.RecordConnectError();
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Closes with RST rather than FIN, so a client sees "connection refused/reset" instead of an empty answer.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = s_reset;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }
}
