using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.TestServer.Lifecycle;
using Capstan.TestServer.Sockets;

namespace Capstan.TestServer.Grpc;

/// <summary>
/// grpc.health.v1.Health/Check over cleartext HTTP/2 (prior knowledge), what a Kubernetes grpc probe calls. Service ""
/// and "liveness" answer the health flag, "readiness" the readiness flag, any other NOT_FOUND. Just enough HTTP/2 for
/// unary calls: every request on the connection is taken for Check (the request headers are not decoded), responses are
/// far below the flow-control windows, and HPACK is used only to encode three fixed header fields.
/// </summary>
internal sealed class GrpcHealthServer : IDisposable
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Socket _listener;
    private readonly ProbeState _probes;

    private GrpcHealthServer(Socket listener, ProbeState probes)
    {
        _listener = listener;
        _probes = probes;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static GrpcHealthServer Listen(IPEndPoint endPoint, ProbeState probes) =>
        new(ListeningSocket.Open(endPoint), probes);

    /// <summary>The (gRPC status, serving status) Check answers for <paramref name="service"/>.</summary>
    public static (int GrpcStatus, int ServingStatus) Check(string service, ProbeState probes) => service switch
    {
        "" or "liveness" => (0, probes.Healthy ? GrpcHealth.Serving : GrpcHealth.NotServing),
        "readiness" => (0, probes.Ready ? GrpcHealth.Serving : GrpcHealth.NotServing),
        _ => (GrpcHealth.StatusNotFound, 0),
    };

    public Task RunAsync(CancellationToken cancellationToken) =>
        ListeningSocket.AcceptAllAsync(_listener, ServeConnectionAsync, cancellationToken);

    public void Dispose() => _listener.Dispose();

    private async Task ServeConnectionAsync(Socket client)
    {
        client.NoDelay = true;
        var remote = client.RemoteEndPoint;
        await using var stream = new NetworkStream(client, ownsSocket: true);
        using var idle = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            var preface = new byte[Preface.Length];
            await stream.ReadExactlyAsync(preface, idle.Token).ConfigureAwait(false);
            if (!preface.AsSpan().SequenceEqual(Preface))
            {
                return;
            }

            await WriteAsync(stream, new Http2Frame(Http2Frame.Settings, 0, 0, []), idle.Token).ConfigureAwait(false);
            var bodies = new Dictionary<int, MemoryStream>();
            while (await Http2Frame.ReadAsync(stream, idle.Token).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case Http2Frame.Settings when (frame.Flags & Http2Frame.Ack) == 0:
                        await WriteAsync(stream, new Http2Frame(Http2Frame.Settings, Http2Frame.Ack, 0, []), idle.Token).ConfigureAwait(false);
                        break;
                    case Http2Frame.Ping when (frame.Flags & Http2Frame.Ack) == 0:
                        await WriteAsync(stream, new Http2Frame(Http2Frame.Ping, Http2Frame.Ack, 0, frame.Payload), idle.Token).ConfigureAwait(false);
                        break;
                    case Http2Frame.Headers:
                        bodies[frame.StreamId] = new MemoryStream();
                        if ((frame.Flags & Http2Frame.EndStream) != 0)
                        {
                            await AnswerAsync(stream, frame.StreamId, [], remote, idle.Token).ConfigureAwait(false);
                            bodies.Remove(frame.StreamId);
                        }

                        break;
                    case Http2Frame.Data when bodies.TryGetValue(frame.StreamId, out var body):
                        body.Write(frame.DataWithoutPadding());
                        if ((frame.Flags & Http2Frame.EndStream) != 0)
                        {
                            bodies.Remove(frame.StreamId);
                            await AnswerAsync(stream, frame.StreamId, body.ToArray(), remote, idle.Token).ConfigureAwait(false);
                        }

                        break;
                    case Http2Frame.RstStream:
                        bodies.Remove(frame.StreamId);
                        break;
                    case Http2Frame.GoAway:
                        return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // A client that went away, idled out or spoke something else: drop the connection.
        }
    }

    private async Task AnswerAsync(Stream stream, int streamId, byte[] request, EndPoint? remote, CancellationToken cancellationToken)
    {
        string service;
        try
        {
            service = GrpcHealth.ReadService(request);
        }
        catch (InvalidDataException)
        {
            await WriteAsync(stream, new Http2Frame(Http2Frame.Headers, Http2Frame.EndHeaders, streamId, ResponseHeaders()), cancellationToken).ConfigureAwait(false);
            await WriteAsync(stream, new Http2Frame(Http2Frame.Headers, Http2Frame.EndHeaders | Http2Frame.EndStream, streamId, Trailers(13)), cancellationToken).ConfigureAwait(false);
            return;
        }

        var (grpcStatus, servingStatus) = Check(service, _probes);
        ServerLog.Line($"{remote} grpc Check service=\"{service}\" {(grpcStatus == 0 ? (servingStatus == GrpcHealth.Serving ? "SERVING" : "NOT_SERVING") : "NOT_FOUND")}");
        await WriteAsync(stream, new Http2Frame(Http2Frame.Headers, Http2Frame.EndHeaders, streamId, ResponseHeaders()), cancellationToken).ConfigureAwait(false);
        if (grpcStatus == 0)
        {
            await WriteAsync(stream, new Http2Frame(Http2Frame.Data, 0, streamId, GrpcHealth.Response(servingStatus)), cancellationToken).ConfigureAwait(false);
        }

        await WriteAsync(stream, new Http2Frame(Http2Frame.Headers, Http2Frame.EndHeaders | Http2Frame.EndStream, streamId, Trailers(grpcStatus)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// HPACK (RFC 7541): ":status: 200" is static-table entry 8 (0x88); "content-type" is entry 31, sent as a literal
    /// without indexing (4-bit prefix: 0x0F then 31 - 15 = 16) with a plain 16-byte value.
    /// </summary>
    private static byte[] ResponseHeaders() => [0x88, 0x0F, 0x10, 16, .. "application/grpc"u8];

    /// <summary>"grpc-status: N" as a literal without indexing with a new name (0x00, name, value).</summary>
    private static byte[] Trailers(int grpcStatus)
    {
        var value = Encoding.ASCII.GetBytes(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return [0x00, 11, .. "grpc-status"u8, (byte)value.Length, .. value];
    }

    private static async Task WriteAsync(Stream stream, Http2Frame frame, CancellationToken cancellationToken) =>
        await stream.WriteAsync(frame.Serialize(), cancellationToken).ConfigureAwait(false);
}
