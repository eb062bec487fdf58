using System.Net.Sockets;
using Grpc.Net.Client;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>A gRPC channel to a CRI runtime listening on a unix socket (containerd's /run/containerd/containerd.sock).</summary>
internal static class CriChannel
{
    /// <param name="endpoint">A socket path, or unix:///path as kubelet's --container-runtime-endpoint takes it.</param>
    public static GrpcChannel Create(string endpoint)
    {
        var path = SocketPath(endpoint);
        var handler = new SocketsHttpHandler
        {
            // gRPC needs HTTP/2 without TLS; every request goes to the one socket whatever the URI's host says.
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            // Container logs are not sent over gRPC, but ExecSync output and image lists can exceed the 4 MiB default.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }

    public static string SocketPath(string endpoint) =>
        endpoint.StartsWith("unix://", StringComparison.Ordinal) ? endpoint["unix://".Length..] : endpoint;
}
