using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Capstan.Agent.Runtime;
using k8s.Models;

namespace Capstan.Agent.Probes;

/// <summary>
/// The probe and lifecycle-hook actions: httpGet (2xx and 3xx succeed), tcpSocket (a connection succeeds), exec (exit 0
/// succeeds) and grpc (grpc.health.v1 Health/Check answering SERVING), each bounded by its timeout.
/// </summary>
public sealed class ProbeHandlers : IDisposable
{
    public const string UserAgent = "kube-probe/1.32";

    private readonly IContainerRuntime _runtime;
    private readonly HttpClient _http;
    private readonly HttpClient _http2;

    public ProbeHandlers(IContainerRuntime runtime)
    {
        _runtime = runtime;

        // Probes reach pods directly and never follow redirects (a 3xx already counts as success), nor use a proxy.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _http2 = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<ProbeOutcome> RunAsync(V1Probe probe, V1Container container, string podIp, string containerId, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        if (probe.Exec is { } exec)
        {
            return await ExecAsync(containerId, exec.Command ?? [], timeout, ct).ConfigureAwait(false);
        }

        if (probe.HttpGet is { } httpGet)
        {
            return await HttpGetAsync(httpGet, container, podIp, timeout, ct).ConfigureAwait(false);
        }

        if (probe.TcpSocket is { } tcp)
        {
            return await TcpAsync(string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host, tcp.Port, container, timeout, ct).ConfigureAwait(false);
        }

        if (probe.Grpc is { } grpc)
        {
            return await GrpcAsync(podIp, grpc.Port, grpc.Service ?? "", timeout, ct).ConfigureAwait(false);
        }

        return ProbeOutcome.Fail("missing probe handler");
    }

    public async Task<ProbeOutcome> ExecAsync(string containerId, IList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var result = await _runtime.ExecSyncAsync(containerId, [.. command], timeout, ct).ConfigureAwait(false);
        if (result.TimedOut)
        {
            return ProbeOutcome.Fail($"command \"{string.Join(' ', command)}\" timed out");
        }

        if (result.ExitCode == 0)
        {
            return ProbeOutcome.Success;
        }

        var output = Encoding.UTF8.GetString(result.Stdout) + Encoding.UTF8.GetString(result.Stderr);
        return ProbeOutcome.Fail(output.Length > 0 ? output.TrimEnd('\n') : $"command \"{string.Join(' ', command)}\" exited with {result.ExitCode}");
    }

    public async Task<ProbeOutcome> HttpGetAsync(V1HTTPGetAction action, V1Container container, string podIp, TimeSpan timeout, CancellationToken ct)
    {
        if (ResolvePort(action.Port, container) is not { } port)
        {
            return ProbeOutcome.Fail($"unable to find port {action.Port?.Value} in container {container.Name}");
        }

        var scheme = string.Equals(action.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var host = string.IsNullOrEmpty(action.Host) ? podIp : action.Host;
        var path = string.IsNullOrEmpty(action.Path) ? "/" : action.Path.StartsWith('/') ? action.Path : "/" + action.Path;
        var url = $"{scheme}://{FormatHost(host)}:{port}{path}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));

        // Each probe uses a fresh connection, as the kubelet's (keep-alives off): a server that stops accepting must fail it.
        request.Headers.ConnectionClose = true;
        foreach (var header in action.HttpHeaders ?? [])
        {
            if (string.Equals(header.Name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = header.Value;
                continue;
            }

            request.Headers.Remove(header.Name);
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? ProbeOutcome.Success : ProbeOutcome.Fail($"HTTP probe failed with statuscode: {code}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
        catch (HttpRequestException ex)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": {Describe(ex, host, port)}");
        }
    }

    public async Task<ProbeOutcome> TcpAsync(string host, IntOrString? portValue, V1Container container, TimeSpan timeout, CancellationToken ct)
    {
        if (ResolvePort(portValue, container) is not { } port)
        {
            return ProbeOutcome.Fail($"unable to find port {portValue?.Value} in container {container.Name}");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            return ProbeOutcome.Success;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"dial tcp {FormatHost(host)}:{port}: i/o timeout");
        }
        catch (SocketException ex)
        {
            return ProbeOutcome.Fail($"dial tcp {FormatHost(host)}:{port}: connect: {SocketMessage(ex)}");
        }
    }

    /// <summary>grpc.health.v1.Health/Check over HTTP/2 without TLS; the request and answer are one-field protobuf messages, encoded by hand.</summary>
    public async Task<ProbeOutcome> GrpcAsync(string host, int port, string service, TimeSpan timeout, CancellationToken ct)
    {
        var serviceBytes = Encoding.UTF8.GetBytes(service);
        var message = new List<byte>();
        if (serviceBytes.Length > 0)
        {
            message.Add(0x0a);
            WriteVarint(message, (ulong)serviceBytes.Length);
            message.AddRange(serviceBytes);
        }

        var frame = new byte[5 + message.Count];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Count);
        message.CopyTo(frame, 5);
        var target = $"{FormatHost(host)}:{port}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{target}/grpc.health.v1.Health/Check")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await _http2.SendAsync(request, cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            var grpcStatus = HeaderValue(response, "grpc-status");
            if (grpcStatus is { Length: > 0 } and not "0")
            {
                var grpcMessage = HeaderValue(response, "grpc-message") ?? "";
                return ProbeOutcome.Fail(grpcStatus == "12"
                    ? "this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"
                    : $"health rpc failed: rpc error: code = {grpcStatus} desc = {Uri.UnescapeDataString(grpcMessage)}");
            }

            var status = body.Length >= 5 ? ReadStatus(body.AsSpan(5)) : 0;
            return status == 1 ? ProbeOutcome.Success : ProbeOutcome.Fail($"service unhealthy (responded with \"{StatusName(status)}\")");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"timeout: health rpc did not complete within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (HttpRequestException ex)
        {
            return ProbeOutcome.Fail($"timeout: failed to connect service \"{target}\" within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s: {ex.Message}");
        }
    }

    /// <summary>A numeric port, or the containerPort of the container's port with that name.</summary>
    public static int? ResolvePort(IntOrString? port, V1Container container)
    {
        var value = port?.Value;
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number is > 0 and < 65536 ? number : null;
        }

        return container.Ports?.FirstOrDefault(p => p.Name == value)?.ContainerPort;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.FirstOrDefault()
        : response.Headers.TryGetValues(name, out var header) ? header.FirstOrDefault()
        : null;

    private static int ReadStatus(ReadOnlySpan<byte> message)
    {
        // HealthCheckResponse { ServingStatus status = 1; }: tag 0x08 then a varint.
        var i = 0;
        while (i < message.Length)
        {
            var tag = message[i++];
            var value = ReadVarint(message, ref i);
            if (tag == 0x08)
            {
                return (int)value;
            }

            if ((tag & 7) == 2)
            {
                i += (int)value;
            }
        }

        return 0;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; i < data.Length && shift < 64; shift += 7)
        {
            var b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return result;
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static string StatusName(int status) => status switch
    {
        0 => "UNKNOWN",
        1 => "SERVING",
        2 => "NOT_SERVING",
        3 => "SERVICE_UNKNOWN",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };

    private static string FormatHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;

    private static string Describe(HttpRequestException ex, string host, int port) =>
        ex.InnerException is SocketException socket ? $"dial tcp {FormatHost(host)}:{port}: connect: {SocketMessage(socket)}" : ex.Message;

    private static string SocketMessage(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        _ => ex.Message,
    };

    public void Dispose()
    {
        _http.Dispose();
        _http2.Dispose();
    }
}
