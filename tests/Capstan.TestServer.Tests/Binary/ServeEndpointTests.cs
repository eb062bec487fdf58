using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Capstan.TestServer.Tests.Infrastructure;

namespace Capstan.TestServer.Tests.Binary;

/// <summary>The HTTP endpoints of the real binary, over real sockets.</summary>
public sealed class ServeEndpointTests
{
    [Fact]
    public async Task Hostname_HostnameVariableSet_ReturnsIt()
    {
        await using var server = TestServerProcess.Start(
            ["serve", "--address", "127.0.0.1", "--port", "0"], new Dictionary<string, string?> { ["HOSTNAME"] = "web-7d4b9-abcde" });
        await server.WaitListeningAsync();
        using var client = server.CreateClient();

        Assert.Equal("web-7d4b9-abcde", await client.GetStringAsync("/"));
        Assert.Equal("web-7d4b9-abcde", await client.GetStringAsync("/hostname"));
    }

    [Fact]
    public async Task Ip_BoundToAddress_ReturnsIt()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        Assert.Equal("127.0.0.1", await client.GetStringAsync("/ip"));
    }

    [Fact]
    public async Task Serve_PodIpSetAndSamePortForTwoServers_EachBindsItsOwnLoopbackIp()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Parse("127.0.0.2"), 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var first = TestServerProcess.Start(["serve", "--port", portText], new Dictionary<string, string?> { ["POD_IP"] = "127.0.0.2" });
        await using var second = TestServerProcess.Start(["serve", "--port", portText], new Dictionary<string, string?> { ["POD_IP"] = "127.0.0.3" });
        await first.WaitListeningAsync();
        await second.WaitListeningAsync();
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        Assert.Equal($"127.0.0.2:{port}", first.EndPoint!.ToString());
        Assert.Equal("127.0.0.2", await firstClient.GetStringAsync("/ip"));
        Assert.Equal("127.0.0.3", await secondClient.GetStringAsync("/ip"));
    }

    [Fact]
    public async Task Ip_BoundToAny_ReturnsAddressTheClientReached()
    {
        await using var server = TestServerProcess.Start(["serve", "--port", "0"]);
        await server.WaitListeningAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.4:{server.EndPoint!.Port}/") };

        Assert.Equal("0.0.0.0", server.EndPoint.Address.ToString());
        Assert.Equal("127.0.0.4", await client.GetStringAsync("/ip"));
    }

    [Fact]
    public async Task EchoEnvHeaders_Requested_AnswerFromRequestAndEnvironment()
    {
        await using var server = TestServerProcess.Start(
            ["serve", "--address", "127.0.0.1", "--port", "0"], new Dictionary<string, string?> { ["GREETING"] = "hello pod" });
        await server.WaitListeningAsync();
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Add("X-Capstan-Test", "yes");

        Assert.Equal("a b&c", await client.GetStringAsync("/echo?msg=a+b%26c"));
        using var posted = await client.PostAsync("/echo", new StringContent("from the body"));
        Assert.Equal("from the body", await posted.Content.ReadAsStringAsync());
        Assert.Equal("hello pod", await client.GetStringAsync("/env?name=GREETING"));
        using var missing = await client.GetAsync("/env?name=CAPSTAN_SURELY_UNSET");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var headers = await client.SendAsync(request);
        Assert.Contains("X-Capstan-Test: yes\n", await headers.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_FlippedByPosts_AnswersAccordingly()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Post, "/healthz/fail"));
        Assert.Equal(HttpStatusCode.InternalServerError, await StatusAsync(client, HttpMethod.Get, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Post, "/healthz/ok"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/healthz"));
    }

    [Fact]
    public async Task Readyz_FlippedByPosts_AnswersAccordinglyAndLeavesHealthAlone()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Post, "/readyz/fail"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(client, HttpMethod.Get, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Post, "/readyz/ok"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/readyz"));
    }

    [Fact]
    public async Task Readyz_ReadyAfterNotElapsed_NotReadyButHealthy()
    {
        await using var server = await TestServerProcess.ServeAsync("--ready-after", "3600");
        using var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(client, HttpMethod.Get, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/healthz"));
    }

    [Fact]
    public async Task Readyz_ReadyAfterElapsed_Ready()
    {
        await using var server = await TestServerProcess.ServeAsync("--ready-after", "0.2");
        using var client = server.CreateClient();

        await server.WaitForLineAsync(l => l.EndsWith("ready by --ready-after", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/readyz"));
    }

    [Fact]
    public async Task Healthz_FailHealthAfter_TurnsUnhealthy()
    {
        await using var server = await TestServerProcess.ServeAsync("--fail-health-after", "0.2");
        using var client = server.CreateClient();

        await server.WaitForLineAsync(l => l.Contains("--fail-health-after", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.InternalServerError, await StatusAsync(client, HttpMethod.Get, "/healthz"));
    }

    [Fact]
    public async Task UnknownPathOrWrongMethod_Requested_Answers404Or405()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, HttpMethod.Get, "/nope"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, await StatusAsync(client, HttpMethod.Get, "/exit"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, await StatusAsync(client, HttpMethod.Post, "/healthz"));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(client, HttpMethod.Post, "/memory"));
    }

    [Fact]
    public async Task Requests_Served_OneLogLinePerRequest()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        await client.GetStringAsync("/hostname");
        await client.GetStringAsync("/echo?msg=x");

        await server.WaitForLineAsync(l => l.EndsWith(" GET /echo?msg=x 200", StringComparison.Ordinal));
        Assert.Single(server.Lines, l => l.EndsWith(" GET /hostname 200", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connection_KeepAlivePipelined_AnswersEachRequestInOrder()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint!);
        await using var stream = new NetworkStream(socket);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /echo?msg=one HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo" +
            "GET /echo?msg=three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var all = await reader.ReadToEndAsync();

        Assert.Equal(3, all.Split("HTTP/1.1 200 OK").Length - 1);
        Assert.Matches("(?s)\r\n\r\none.*\r\n\r\ntwo.*Connection: close\r\n\r\nthree$", all);
    }

    [Fact]
    public async Task Post_ExpectContinue_Answers100ThenReadsBody()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint!);
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"));
        Assert.Equal("HTTP/1.1 100 Continue", await reader.ReadLineAsync());
        Assert.Equal("", await reader.ReadLineAsync());
        await stream.WriteAsync("body"u8.ToArray());

        Assert.Equal("HTTP/1.1 200 OK", await reader.ReadLineAsync());
        Assert.EndsWith("\r\n\r\nbody", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryAndCpu_Requested_ShowInStats()
    {
        await using var server = await TestServerProcess.ServeAsync();
        using var client = server.CreateClient();

        using var memory = await client.PostAsync("/memory?mb=32", null);
        using var cpu = await client.PostAsync("/cpu?millis=300&duration=600", null);
        using var stats = JsonDocument.Parse(await client.GetStringAsync("/stats"));

        Assert.Equal(HttpStatusCode.OK, memory.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cpu.StatusCode);
        Assert.Equal(32, stats.RootElement.GetProperty("heldMiB").GetInt32());
        Assert.True(stats.RootElement.GetProperty("rssBytes").GetInt64() >= 32L * 1024 * 1024);
        Assert.Equal(300, stats.RootElement.GetProperty("burningMillicores").GetInt32());
        Assert.Equal(server.Pid, stats.RootElement.GetProperty("pid").GetInt32());
        Assert.True(stats.RootElement.GetProperty("cpuSeconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Udp_Commands_AnsweredWithOneDatagramEach()
    {
        await using var server = TestServerProcess.Start(
            ["serve", "--address", "127.0.0.1", "--port", "0", "--udp-port", "0"], new Dictionary<string, string?> { ["HOSTNAME"] = "udp-pod" });
        var line = await server.WaitForLineAsync(l => l.StartsWith("udp listening on ", StringComparison.Ordinal));
        var udpEndPoint = IPEndPoint.Parse(line["udp listening on ".Length..]);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var timeout = new CancellationTokenSource(TestServerProcess.Timeout);

        async Task<string> AskAsync(string command)
        {
            await udp.SendAsync(Encoding.UTF8.GetBytes(command), udpEndPoint, timeout.Token);
            var answer = await udp.ReceiveAsync(timeout.Token);
            return Encoding.UTF8.GetString(answer.Buffer);
        }

        Assert.Equal("udp-pod", await AskAsync("hostname"));
        Assert.Equal("hi there", await AskAsync("echo hi there"));
        Assert.Equal("127.0.0.1", await AskAsync("clientip"));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
