using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Agent.Streaming.Spdy;
using Capstan.Agent.Streaming.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Agent.Streaming.Tests;

public sealed class AgentStreamingServerTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private readonly FakePodDirectory _pods = new();
    private readonly ShellRuntime _runtime = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("capstan-agent-stream-").FullName;
    private AgentStreamingServer _server = null!;
    private X509Certificate2 _client = null!;

    public async Task InitializeAsync()
    {
        _client = _certificates.IssueClient("capstan:apiserver", "system:masters");
        _server = await AgentStreamingServer.StartAsync(
            new AgentStreamingOptions { ListenAddress = IPAddress.Loopback, Port = 0, ClientCaCertificate = _certificates.Ca, LogPollInterval = TimeSpan.FromMilliseconds(20) },
            _pods, _runtime, NullLoggerFactory.Instance, CancellationToken.None);
        _pods.Set("default", "web", "app", new ContainerRef("c1", Path.Combine(_dir, "0.log"), Running: true, Tty: false, Stdin: true));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _client.Dispose();
        _certificates.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private HttpClient Http(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificates = certificate is null ? null : [certificate],
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_server.Port}") };
    }

    private async Task<ClientWebSocket> ConnectAsync(string pathAndQuery, params string[] protocols)
    {
        var socket = new ClientWebSocket();
        socket.Options.ClientCertificates.Add(_client);
        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        foreach (var protocol in protocols.Length == 0 ? [RemoteCommandProtocol.V5] : protocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{_server.Port}{pathAndQuery}"), CancellationToken.None);
        return socket;
    }

    /// <summary>Every message until the server closes, concatenated per channel.</summary>
    private static async Task<Dictionary<byte, string>> ReadAllAsync(WebSocket socket)
    {
        var channels = new Dictionary<byte, string>();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return channels;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var bytes = message.ToArray();
                message.SetLength(0);
                if (bytes.Length > 0)
                {
                    channels[bytes[0]] = channels.GetValueOrDefault(bytes[0], "") + Encoding.UTF8.GetString(bytes, 1, bytes.Length - 1);
                }
            }
        }
    }

    [Fact]
    public async Task Exec_CommandWithOutputAndExitCode_StreamsChannelsAndReportsTheCode()
    {
        using var socket = await ConnectAsync("/exec/default/web/app?command=sh&command=-c&command=echo+hi%3B+echo+oops+%3E%262%3B+exit+3&stdout=true&stderr=true");
        Assert.Equal(RemoteCommandProtocol.V5, socket.SubProtocol);
        var channels = await ReadAllAsync(socket);
        Assert.Equal("hi\n", channels[RemoteCommandProtocol.Stdout]);
        Assert.Equal("oops\n", channels[RemoteCommandProtocol.Stderr]);
        var status = JsonNode.Parse(channels[RemoteCommandProtocol.Error])!;
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("NonZeroExitCode", (string?)status["reason"]);
        Assert.Equal("ExitCode", (string?)status["details"]!["causes"]![0]!["reason"]);
        Assert.Equal("3", (string?)status["details"]!["causes"]![0]!["message"]);
    }

    [Fact]
    public async Task Exec_StdinClosedWithTheV5Signal_CommandSeesEof()
    {
        using var socket = await ConnectAsync("/exec/default/web/app?command=cat&stdin=true&stdout=true&stderr=true");
        await socket.SendAsync(RemoteCommandProtocol.Frame(RemoteCommandProtocol.Stdin, "hello stdin"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.SendAsync(new byte[] { RemoteCommandProtocol.Close, RemoteCommandProtocol.Stdin }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var channels = await ReadAllAsync(socket);
        Assert.Equal("hello stdin", channels[RemoteCommandProtocol.Stdout]);
        Assert.Equal("Success", (string?)JsonNode.Parse(channels[RemoteCommandProtocol.Error])!["status"]);
    }

    [Fact]
    public async Task Exec_V4Client_GetsV4AndStdin()
    {
        using var socket = await ConnectAsync("/exec/default/web/app?command=head&command=-c&command=3&stdin=true&stdout=true", RemoteCommandProtocol.V4);
        Assert.Equal(RemoteCommandProtocol.V4, socket.SubProtocol);
        await socket.SendAsync(RemoteCommandProtocol.Frame(RemoteCommandProtocol.Stdin, "abcdef"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        var channels = await ReadAllAsync(socket);
        Assert.Equal("abc", channels[RemoteCommandProtocol.Stdout]);
        Assert.Equal("Success", (string?)JsonNode.Parse(channels[RemoteCommandProtocol.Error])!["status"]);
    }

    [Fact]
    public async Task Exec_Resize_ReachesTheSession()
    {
        using var socket = await ConnectAsync("/exec/default/web/app?command=cat&stdin=true&stdout=true&tty=true");
        await socket.SendAsync(RemoteCommandProtocol.Frame(RemoteCommandProtocol.Resize, "{\"Width\":120,\"Height\":40}"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.SendAsync(new byte[] { RemoteCommandProtocol.Close, RemoteCommandProtocol.Stdin }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await ReadAllAsync(socket);
        lock (_runtime.Resizes)
        {
            Assert.Contains(((ushort)120, (ushort)40), _runtime.Resizes);
        }
    }

    [Fact]
    public async Task Exec_UnknownContainer_Is404BeforeTheUpgrade()
    {
        using var http = Http(_client);
        using var response = await http.GetAsync("/exec/default/web/nope?command=true");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Status", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["kind"]);
    }

    [Fact]
    public async Task Exec_WithoutUpgrade_Is400()
    {
        using var http = Http(_client);
        using var response = await http.PostAsync("/exec/default/web/app?command=true", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Attach_StdinAndStdout_ReachTheRunningProcess()
    {
        _runtime.StartAttachable("c1", "sh", "-c", "while read l; do echo got $l; done");
        using var socket = await ConnectAsync("/attach/default/web/app?stdin=true&stdout=true");
        await socket.SendAsync(RemoteCommandProtocol.Frame(RemoteCommandProtocol.Stdin, "x\n"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(RemoteCommandProtocol.Stdout, buffer[0]);
        Assert.Equal("got x\n", Encoding.UTF8.GetString(buffer, 1, result.Count - 1));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task ContainerLogs_ServesTheFileAsPlainLines()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "0.log"),
            "2026-11-25T10:00:01.5Z stdout F one\n2026-11-25T10:00:02.5Z stderr F two\n2026-11-25T10:00:03.5Z stdout F three\n");
        using var http = Http(_client);
        Assert.Equal("one\ntwo\nthree\n", await http.GetStringAsync("/containerLogs/default/web/app"));
        Assert.Equal("2026-11-25T10:00:03.5Z three\n", await http.GetStringAsync("/containerLogs/default/web/app?tailLines=1&timestamps=true"));
    }

    [Fact]
    public async Task ContainerLogs_BadParameters_Are400()
    {
        using var http = Http(_client);
        using var response = await http.GetAsync("/containerLogs/default/web/app?tailLines=-1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var both = await http.GetAsync("/containerLogs/default/web/app?sinceSeconds=1&sinceTime=2026-11-25T10:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
    }

    [Fact]
    public async Task ContainerLogs_PreviousWithoutRestart_Is400()
    {
        using var http = Http(_client);
        using var response = await http.GetAsync("/containerLogs/default/web/app?previous=true");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("previous terminated container \"app\"", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task Request_WithoutClientCertificate_Is401()
    {
        using var http = Http(null);
        using var response = await http.GetAsync("/containerLogs/default/web/app");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_WithCertificateOfAnotherCa_Is401()
    {
        using var other = new TestCertificates();
        using var foreign = other.IssueClient("capstan:apiserver", "system:masters");
        using var http = Http(foreign);
        using var response = await http.GetAsync("/containerLogs/default/web/app");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_WithCertificateOfAnotherIdentity_Is403()
    {
        using var node = _certificates.IssueClient("system:node:n1", "system:nodes");
        using var http = Http(node);
        using var response = await http.GetAsync("/containerLogs/default/web/app");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task PortForward_SpdyOverWebSocket_CopiesAConnectionToThePodPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var echo = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var stream = client.GetStream();
            var buffer = new byte[100];
            var read = await stream.ReadAtLeastAsync(buffer, 4);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)));
        });

        var (socket, protocol) = await RawWebSocketClient.ConnectAsync(_server.Port, "/portForward/default/web", _client, "SPDY/3.1+portforward.k8s.io");
        using var _ = socket;
        Assert.Equal("SPDY/3.1+portforward.k8s.io", protocol);
        using var spdy = new SpdyConnection(new WebSocketStream(socket));
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await spdy.SendSynStreamAsync(1, [new("streamtype", "error"), new("port", portText), new("requestid", "0")], CancellationToken.None);
        await spdy.SendSynStreamAsync(3, [new("streamtype", "data"), new("port", portText), new("requestid", "0")], CancellationToken.None);
        await spdy.SendDataAsync(3, "ping"u8.ToArray(), fin: false, CancellationToken.None);

        var replies = new List<uint>();
        var received = new StringBuilder();
        var dataFinished = false;
        while (!dataFinished)
        {
            var frame = (await spdy.ReadFrameAsync(CancellationToken.None))!;
            if (frame.IsControl)
            {
                Assert.Equal(SpdyFrameType.SynReply, frame.Type);
                Assert.Empty(spdy.SynReplyHeaders(frame));
                replies.Add(frame.StreamId);
            }
            else if (frame.StreamId == 3)
            {
                received.Append(Encoding.ASCII.GetString(frame.Payload));
                dataFinished = frame.Fin;
            }
        }

        await echo;
        Assert.Equal([1u, 3u], replies);
        Assert.Equal("echo:ping", received.ToString());
    }

    [Fact]
    public async Task PortForward_NothingListening_ReportsOnTheErrorStream()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        listener.Stop();

        var (socket, _) = await RawWebSocketClient.ConnectAsync(_server.Port, "/portForward/default/web", _client, "SPDY/3.1+portforward.k8s.io");
        using var disposeSocket = socket;
        using var spdy = new SpdyConnection(new WebSocketStream(socket));
        await spdy.SendSynStreamAsync(1, [new("streamtype", "error"), new("port", port), new("requestid", "7")], CancellationToken.None);
        await spdy.SendSynStreamAsync(3, [new("streamtype", "data"), new("port", port), new("requestid", "7")], CancellationToken.None);
        var error = new StringBuilder();
        while (true)
        {
            var frame = (await spdy.ReadFrameAsync(CancellationToken.None))!;
            if (!frame.IsControl && frame.StreamId == 1)
            {
                error.Append(Encoding.UTF8.GetString(frame.Payload));
                if (frame.Fin)
                {
                    break;
                }
            }
        }

        Assert.Contains($"error forwarding port {port} to pod default/web", error.ToString());
    }

    [Fact]
    public async Task PortForward_ChannelProtocol_SendsThePortsThenCopiesData()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var echo = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var stream = client.GetStream();
            var buffer = new byte[100];
            var read = await stream.ReadAtLeastAsync(buffer, 4);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)));
        });

        using var socket = await ConnectAsync($"/portForward/default/web?port={port}", "v4.channel.k8s.io");
        var buffer = new byte[1024];
        var portBytes = new[] { (byte)(port & 0xFF), (byte)(port >> 8) };
        var first = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(new byte[] { 0, portBytes[0], portBytes[1] }, buffer[..first.Count]);
        var second = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(new byte[] { 1, portBytes[0], portBytes[1] }, buffer[..second.Count]);

        await socket.SendAsync(RemoteCommandProtocol.Frame(0, "ping"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        var channels = await ReadAllAsync(socket);
        await echo;
        Assert.Equal("echo:ping", channels[0]);
    }
}
