using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>
/// A UDP listener of one service address. Each client address and port is a flow (conntrack's view of UDP) with its own
/// connected socket to the backend chosen at its first datagram; replies return through the listener socket, so they
/// come from the service address. Flows end after an idle timeout, or when their backend leaves the service's usable
/// backends (kube-proxy flushes those conntrack entries, so a dead DNS pod does not keep swallowing queries). With no
/// backend, datagrams are dropped.
/// </summary>
internal sealed class UdpFrontend : IFrontend
{
    private const int MaxDatagram = 65535;

    private readonly Socket _socket;
    private readonly ServiceProxyOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<FlowKey, UdpFlow> _flows = new();
    private readonly Timer _sweeper;
    private FrontendRoute _route;
    private volatile bool _disposed;

    private UdpFrontend(ListenerKey key, Socket socket, FrontendRoute route, ServiceProxyOptions options, ILogger logger)
    {
        Key = key;
        _socket = socket;
        _route = route;
        _options = options;
        _logger = logger;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.UdpIdleTimeout.TotalMilliseconds / 4, 100, 1000));
        _sweeper = new Timer(_ => Sweep(), null, period, period);
    }

    public ListenerKey Key { get; }

    public int FlowCount => _flows.Count;

    public FrontendRoute Route
    {
        get => Volatile.Read(ref _route);
        set => Volatile.Write(ref _route, value);
    }

    public static UdpFrontend Start(ListenerKey key, FrontendRoute route, ServiceProxyOptions options, ILogger logger)
    {
        var socket = new Socket(key.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(key.Address, key.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var frontend = new UdpFrontend(key, socket, route, options, logger);
        _ = frontend.ReceiveLoopAsync();
        return frontend;
    }

    public void Dispose()
    {
        _disposed = true;
        _sweeper.Dispose();
        _socket.Dispose();
        foreach (var flow in _flows.Values)
        {
            flow.Socket.Dispose();
        }

        _flows.Clear();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var address = new SocketAddress(Key.Address.AddressFamily);
        try
        {
            while (!_disposed)
            {
                int count;
                try
                {
                    count = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, address).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    continue;
                }

                var key = FlowKey.From(address);
                if (!_flows.TryGetValue(key, out var flow))
                {
                    flow = OpenFlow(key, address);
                    if (flow is null)
                    {
                        continue;
                    }
                }

                flow.Touch();
                try
                {
                    await flow.Socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None).ConfigureAwait(false);
                    flow.Stats.AddBytesToBackend(count);
                }
                catch (SocketException)
                {
                    // ICMP port unreachable from an earlier datagram surfaces here; the flow stays until idle.
                }
                catch (ObjectDisposedException)
                {
                    // Swept between the lookup and the send.
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "UDP listener {Listener} failed", Key);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private UdpFlow? OpenFlow(FlowKey key, SocketAddress clientAddress)
    {
        var route = Route;
        var state = route.State;
        var choice = state.Choice(route.Scope);
        var client = state.Affinity ? ((IPEndPoint)new IPEndPoint(Key.Address, 0).Create(clientAddress)).Address : null;
        var index = state.Pick(choice, route.Scope, client);
        if (index < 0)
        {
            Interlocked.Increment(ref state.RejectedCounter.Value);
            return null;
        }

        var backend = choice.Backends[index];
        var socket = new Socket(backend.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Connect(backend.EndPoint);
        }
        catch (SocketException)
        {
            socket.Dispose();
            choice.Stats[index].RecordConnectError();
            return null;
        }

        var copy = new SocketAddress(clientAddress.Family, clientAddress.Size);
        clientAddress.Buffer.Span.CopyTo(copy.Buffer.Span);
        var flow = new UdpFlow(socket, copy, backend.EndPoint, choice.Stats[index], state, route.Scope);
        choice.Stats[index].RecordFlow();
        _flows[key] = flow;
        _ = ReplyLoopAsync(key, flow);
        return flow;
    }

    private async Task ReplyLoopAsync(FlowKey key, UdpFlow flow)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        try
        {
            while (true)
            {
                int count;
                try
                {
                    count = await flow.Socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    // ICMP port unreachable: the backend is not listening (yet); later replies may still come.
                    continue;
                }

                flow.Touch();
                await _socket.SendToAsync(buffer.AsMemory(0, count), SocketFlags.None, flow.Client).ConfigureAwait(false);
                flow.Stats.AddBytesFromBackend(count);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (_flows.TryGetValue(key, out var current) && current == flow)
            {
                _flows.TryRemove(key, out _);
            }

            flow.Socket.Dispose();
        }
    }

    private void Sweep()
    {
        if (_disposed || _flows.IsEmpty)
        {
            return;
        }

        var idleTicks = (long)_options.UdpIdleTimeout.TotalMilliseconds;
        var now = Environment.TickCount64;
        foreach (var (key, flow) in _flows)
        {
            var stale = now - flow.LastActive >= idleTicks
                || flow.State.Choice(flow.Scope) is var choice && choice.Count > 0 && choice.IndexOf(flow.Backend) < 0;
            if (stale && _flows.TryRemove(key, out _))
            {
                flow.Socket.Dispose();
            }
        }
    }

    /// <summary>A client's port and address as read from its raw socket address, so lookups need no allocation.</summary>
    private readonly record struct FlowKey(UInt128 Address, int Port)
    {
        public static FlowKey From(SocketAddress address)
        {
            var bytes = address.Buffer.Span;
            var port = (bytes[2] << 8) | bytes[3];
            return address.Family == AddressFamily.InterNetworkV6
                ? new FlowKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(8, 16)), port)
                : new FlowKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(4, 4)), port);
        }
    }

    private sealed class UdpFlow(Socket socket, SocketAddress client, IPEndPoint backend, BackendStats stats, ServicePortState state, TrafficScope scope)
    {
        private long _lastActive = Environment.TickCount64;

        public Socket Socket { get; } = socket;

        public SocketAddress Client { get; } = client;

        public IPEndPoint Backend { get; } = backend;

        public BackendStats Stats { get; } = stats;

        public ServicePortState State { get; } = state;

        public TrafficScope Scope { get; } = scope;

        public long LastActive => Volatile.Read(ref _lastActive);

        public void Touch() => Volatile.Write(ref _lastActive, Environment.TickCount64);
    }
}
