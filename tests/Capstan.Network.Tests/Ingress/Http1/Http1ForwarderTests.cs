using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Capstan.Network.Ingress;
using Capstan.Network.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress.Http1;

/// <summary>
/// The HTTP/1.1 forwarder on its own, routing by host name to Kestrel <see cref="TestBackend"/>s and raw scripted
/// backends, driven by raw client connections so that keep-alive, pipelining and framing are visible.
/// </summary>
public sealed class Http1ForwarderTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, IPEndPoint> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(int Status, bool Failed)> _completed = new();
    private readonly List<TestBackend> _backends = [];
    private Http1Forwarder _forwarder = null!;

    private int Port => _forwarder.LocalEndPoint.Port;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "one", "two" })
        {
            var backend = await TestBackend.StartAsync(name);
            _backends.Add(backend);
            _hosts[name + ".test"] = new IPEndPoint(IPAddress.Loopback, backend.Port);
        }

        _forwarder = Http1Forwarder.Start(new IPEndPoint(IPAddress.Loopback, 0), new Router(this), new Http1ForwarderOptions { Loops = 2 });
    }

    public async Task DisposeAsync()
    {
        await _forwarder.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task KeepAlive_RequestsToTwoHosts_GoToTheirBackendsOnOneConnection()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync("GET /a HTTP/1.1\r\nHost: one.test\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
            await client.SendAsync("GET /b HTTP/1.1\r\nHost: two.test\r\n\r\n");
            var second = await client.ReadResponseAsync();
            Assert.Equal("two /b two.test", second.Body);
        }

        Assert.All(_completed, c => Assert.Equal((200, false), c));
    }

    [Fact]
    public async Task Pipelined_RequestsInOneWrite_AnsweredInOrder()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: two.test\r\n\r\nGET /2 HTTP/1.1\r\nHost: one.test\r\n\r\nGET /3 HTTP/1.1\r\nHost: two.test\r\nConnection: close\r\n\r\n");

        Assert.Equal("two /1 two.test", (await client.ReadResponseAsync()).Body);
        Assert.Equal("one /2 one.test", (await client.ReadResponseAsync()).Body);
        var last = await client.ReadResponseAsync();
        Assert.Equal("two /3 two.test", last.Body);
        Assert.Contains("Connection: close", last.Head, StringComparison.OrdinalIgnoreCase);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Post_ContentLengthAndChunkedBodies_AreForwarded()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: one.test\r\nContent-Length: 11\r\n\r\nhello ");
        await Task.Delay(50);
        await client.SendAsync("world");
        Assert.Equal("one hello world", (await client.ReadResponseAsync()).Body);

        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: two.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n");
        await client.SendAsync("3\r\ned!\r\n0\r\n\r\n");
        Assert.Equal("two chunked!", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task Post_LargeBody_IsForwardedWhole()
    {
        var body = new string('x', 1_000_000);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{Port}/echo") { Content = new StringContent(body) };
        request.Headers.Host = "one.test";
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);

        Assert.Equal("one " + body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChunkedResponse_IsRelayedWholeAndTheConnectionReused()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET /chunked HTTP/1.1\r\nHost: one.test\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Contains("Transfer-Encoding: chunked", response.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("one-part2;", response.Body, StringComparison.Ordinal);

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: two.test\r\n\r\n");
        Assert.Equal("two /x two.test", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task HeadAnd204_HaveNoBodyAndTheConnectionGoesOn()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("HEAD /x HTTP/1.1\r\nHost: one.test\r\n\r\n");
        var head = await client.ReadResponseAsync(headRequest: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("", head.Body);

        await client.SendAsync("GET /empty HTTP/1.1\r\nHost: one.test\r\n\r\n");
        Assert.Equal(204, (await client.ReadResponseAsync()).Status);

        await client.SendAsync("GET /y HTTP/1.1\r\nHost: one.test\r\n\r\n");
        Assert.Equal("one /y one.test", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task XForwarded_FieldsAreSet()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET /headers HTTP/1.1\r\nHost: one.test:8080\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n");

        Assert.Equal("127.0.0.1|http|one.test:8080", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public async Task UnknownHost_Answers404AndKeepsTheConnection()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n");
        Assert.Equal(404, (await client.ReadResponseAsync()).Status);
        await client.SendAsync("GET /z HTTP/1.1\r\nHost: two.test\r\n\r\n");
        Assert.Equal("two /z two.test", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: one.test\r\nBad Header: x\r\n\r\n")]
    public async Task MalformedHead_Answers400AndCloses(string request)
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync(request);

        var response = await client.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.Contains("Connection: close", response.Head, StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task OversizedHead_Answers431()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync($"GET / HTTP/1.1\r\nHost: one.test\r\nX-Big: {new string('a', 40_000)}\r\n\r\n");

        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task BackendRefusing_Answers502AndReportsTheFailure()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var endPoint = (IPEndPoint)closed.LocalEndpoint;
        closed.Stop();
        _hosts["refused.test"] = endPoint;
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: refused.test\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync()).Status);
        Assert.Contains((502, true), _completed);
    }

    [Fact]
    public async Task BackendClosingAfterABodyWithoutLength_EndsTheResponseAndTheClientConnection()
    {
        using var backend = new ScriptedBackend("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
        _hosts["close.test"] = backend.EndPoint;
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: close.test\r\n\r\n");

        var response = await client.ReadResponseAsync();
        Assert.Equal("until close", response.Body);
        Assert.Contains("Connection: close", response.Head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackendClosingMidBody_ResetsTheClientAndReportsTheFailure()
    {
        using var backend = new ScriptedBackend("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
        _hosts["short.test"] = backend.EndPoint;
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: short.test\r\n\r\n");

        await Assert.ThrowsAnyAsync<Exception>(() => client.ReadResponseAsync());
        Assert.Contains((200, true), _completed);
    }

    [Fact]
    public async Task PooledConnectionClosedByTheBackend_RequestIsSentAgainOnANewOne()
    {
        using var backend = new ScriptedBackend("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", keepAliveOnce: true);
        _hosts["once.test"] = backend.EndPoint;
        using var client = await RawHttpClient.ConnectAsync(Port);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: once.test\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal((200, "ok"), (response.Status, response.Body));
        }
    }

    [Fact]
    public async Task BackendClosingWithoutAnswer_Answers502()
    {
        using var backend = new ScriptedBackend("");
        _hosts["silent.test"] = backend.EndPoint;
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: silent.test\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task WebSocket_UpgradeBecomesATunnel()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", "two.test");

        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Port}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        foreach (var message in new[] { "ping", "pong" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("two:" + message, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Assert.Contains((101, false), _completed);
    }

    [Fact]
    public async Task NewConnections_RequestSentAtOnce_AreAllAnswered()
    {
        // The loop may handle a new connection's first request before the accepting thread has returned from
        // registering it; each must still get its answer, never a reset. Bounded: 4 workers, 250 connections each.
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                using var client = await RawHttpClient.ConnectAsync(Port);
                await client.SendAsync("GET /new HTTP/1.1\r\nHost: one.test\r\n\r\n");
                Assert.Equal("one /new one.test", (await client.ReadResponseAsync()).Body);
            }
        }));

        await Task.WhenAll(workers);
    }

    [Fact]
    public async Task ClientHalfClose_StillGetsItsAnswer()
    {
        using var client = await RawHttpClient.ConnectAsync(Port);

        await client.SendAsync("GET /half HTTP/1.1\r\nHost: one.test\r\n\r\n");
        client.ShutdownSend();

        Assert.Equal("one /half one.test", (await client.ReadResponseAsync()).Body);
        Assert.True(await client.IsClosedAsync());
    }

    private sealed class Router(Http1ForwarderTests test) : IHttp1Router
    {
        public Http1Route Route(string host, string path) =>
            test._hosts.TryGetValue(host, out var endPoint)
                ? new Http1Route(Http1RouteKind.Forward, null, endPoint, null, null)
                : new Http1Route(Http1RouteKind.NotFound, null, null, null, null);

        public void Completed(in Http1Route route, int statusCode, bool backendFailed, long elapsedTicks) =>
            test._completed.Enqueue((statusCode, backendFailed));
    }
}
