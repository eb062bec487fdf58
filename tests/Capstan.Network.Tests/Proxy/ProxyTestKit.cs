using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Network.Proxy;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Proxy;

/// <summary>
/// Services and one-endpoint EndpointSlices written by hand, a proxy over them, and small TCP/UDP clients. Addresses
/// are random inside loopback ranges (ClusterIPs in the upper half of the fixture's 127.43.0.0/16, backends in
/// 127.77.0.0/16, the node in 127.44.0.0/16) so parallel test runs on one machine do not collide.
/// </summary>
public sealed class ProxyTestKit(ServerFixture fixture)
{
    public const string Namespace = "default";

    public static IPAddress RandomAddress(int secondOctet, int thirdFrom = 1) =>
        new([127, (byte)secondOctet, (byte)Random.Shared.Next(thirdFrom, 255), (byte)Random.Shared.Next(1, 255)]);

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];

    public Task<ServiceProxyHost> StartProxyAsync(ServiceProxyOptions options, CancellationToken ct) =>
        ServiceProxyHost.StartAsync(fixture.Client, options, 0, fixture.LoggerFactory, ct);

    public async Task<V1Service> CreateServiceAsync(string name, string protocol = "TCP", int port = 80, string type = "ClusterIP", Action<V1ServiceSpec>? customize = null, CancellationToken ct = default)
    {
        var spec = new V1ServiceSpec
        {
            Type = type,
            ClusterIP = RandomAddress(43, thirdFrom: 128).ToString(),
            Ports = [new V1ServicePort { Name = "p", Port = port, Protocol = protocol, TargetPort = port }],
        };
        customize?.Invoke(spec);
        return await fixture.Client.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = name }, Spec = spec }, Namespace, cancellationToken: ct);
    }

    /// <summary>Creates or replaces the slice "&lt;service&gt;-&lt;index&gt;" holding one endpoint.</summary>
    public async Task WriteEndpointAsync(string service, int index, IPEndPoint endPoint, bool ready = true, string protocol = "TCP", string? nodeName = null, bool? serving = null, bool terminating = false, CancellationToken ct = default)
    {
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = $"{service}-{index}", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "p", Port = endPoint.Port, Protocol = protocol }],
            Endpoints =
            [
                new V1Endpoint
                {
                    Addresses = [endPoint.Address.ToString()],
                    NodeName = nodeName,
                    Conditions = new V1EndpointConditions { Ready = ready, Serving = serving ?? ready, Terminating = terminating },
                },
            ],
        };
        try
        {
            var existing = await fixture.Client.ReadNamespacedEndpointSliceAsync(slice.Metadata.Name, Namespace, cancellationToken: ct);
            slice.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await fixture.Client.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, Namespace, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await fixture.Client.CreateNamespacedEndpointSliceAsync(slice, Namespace, cancellationToken: ct);
        }
    }

    /// <summary>Connects and returns the greeting of the backend that answered, or null when refused or reset.</summary>
    public static async Task<string?> BackendNameAsync(IPEndPoint service)
    {
        try
        {
            using var connection = await OpenAsync(service);
            return connection.Name;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    public static async Task<OpenConnection> OpenAsync(IPEndPoint service, IPAddress? from = null)
    {
        var socket = new Socket(service.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (from is not null)
            {
                socket.Bind(new IPEndPoint(from, 0));
            }

            await socket.ConnectAsync(service);
            var name = await ReadLineAsync(socket) ?? throw new IOException("closed before the greeting");
            return new OpenConnection(socket, name);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<string?> UdpAskAsync(IPEndPoint service, string payload, Socket? socket = null)
    {
        var own = socket is null;
        socket ??= new Socket(service.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            await socket.SendToAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None, service);
            var buffer = new byte[65535];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, count);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return null;
        }
        finally
        {
            if (own)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task<string?> ReadLineAsync(Socket socket)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            var count = await socket.ReceiveAsync(one, SocketFlags.None);
            if (count == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return line.ToString();
            }

            line.Append((char)one[0]);
        }
    }

    /// <summary>An open client connection through the proxy, greeted by backend <see cref="Name"/>.</summary>
    public sealed class OpenConnection(Socket socket, string name) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public string Name { get; } = name;

        /// <summary>Sends <paramref name="text"/> and reads the echo back; false when the connection broke.</summary>
        public async Task<bool> EchoesAsync(string text)
        {
            try
            {
                var bytes = Encoding.ASCII.GetBytes(text);
                await Socket.SendAsync(bytes, SocketFlags.None);
                var received = 0;
                var buffer = new byte[bytes.Length];
                while (received < bytes.Length)
                {
                    var count = await Socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
                    if (count == 0)
                    {
                        return false;
                    }

                    received += count;
                }

                return buffer.AsSpan().SequenceEqual(bytes);
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Dispose() => Socket.Dispose();
    }
}
