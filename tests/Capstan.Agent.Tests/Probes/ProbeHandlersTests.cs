using System.Net;
using System.Net.Sockets;
using Capstan.Agent.Probes;
using Capstan.Agent.Runtime;
using Capstan.Agent.Tests.Support;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Tests.Probes;

public sealed class ProbeHandlersTests : IAsyncLifetime
{
    private readonly TestRuntime _runtime = new();
    private WebApplication _app = null!;
    private int _httpPort;
    private int _grpcPort;
    private string _grpcStatus = "SERVING";
    private string? _seenUserAgent;
    private string? _seenHeader;

    public async Task InitializeAsync()
    {
        _httpPort = FreePort();
        _grpcPort = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, _httpPort);
            k.Listen(IPAddress.Loopback, _grpcPort, o => o.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.MapGet("/status/{code:int}", (HttpContext ctx, int code) =>
        {
            _seenUserAgent = ctx.Request.Headers.UserAgent;
            _seenHeader = ctx.Request.Headers["X-Probe"];
            return Results.StatusCode(code);
        });
        _app.MapGet("/slow", async (HttpContext ctx) =>
        {
            try
            {
                await Task.Delay(5000, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return Results.Ok();
        });
        _app.MapPost("/grpc.health.v1.Health/Check", async (HttpContext ctx) =>
        {
            var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            ctx.Response.ContentType = "application/grpc";
            var status = _grpcStatus switch { "SERVING" => 1, "NOT_SERVING" => 2, _ => 0 };
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 2, 0x08, (byte)status });
            ctx.Response.AppendTrailer("grpc-status", "0");
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static V1Container Container(int port) => new() { Name = "c", Ports = [new V1ContainerPort { Name = "http", ContainerPort = port }] };

    [Theory]
    [InlineData(200, ProbeResult.Success)]
    [InlineData(302, ProbeResult.Success)]
    [InlineData(399, ProbeResult.Success)]
    [InlineData(404, ProbeResult.Failure)]
    [InlineData(500, ProbeResult.Failure)]
    public async Task HttpGet_StatusCodes_200To399Succeed(int code, ProbeResult expected)
    {
        using var handlers = new ProbeHandlers(_runtime);
        var action = new V1HTTPGetAction { Path = $"/status/{code}", Port = "http", HttpHeaders = [new V1HTTPHeader { Name = "X-Probe", Value = "yes" }] };
        var outcome = await handlers.HttpGetAsync(action, Container(_httpPort), "127.0.0.1", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(expected, outcome.Result);
        Assert.Equal("kube-probe/1.32", _seenUserAgent);
        Assert.Equal("yes", _seenHeader);
        if (expected == ProbeResult.Failure)
        {
            Assert.Equal($"HTTP probe failed with statuscode: {code}", outcome.Message);
        }
    }

    [Fact]
    public async Task HttpGet_Timeout_Fails()
    {
        using var handlers = new ProbeHandlers(_runtime);
        var outcome = await handlers.HttpGetAsync(new V1HTTPGetAction { Path = "/slow", Port = _httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Container(_httpPort), "127.0.0.1", TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.Contains("context deadline exceeded", outcome.Message);
    }

    [Fact]
    public async Task HttpGet_Refused_FailsWithDialMessage()
    {
        using var handlers = new ProbeHandlers(_runtime);
        var port = FreePort();
        var outcome = await handlers.HttpGetAsync(new V1HTTPGetAction { Path = "/", Port = port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Container(port), "127.0.0.1", TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.Equal($"Get \"http://127.0.0.1:{port}/\": dial tcp 127.0.0.1:{port}: connect: connection refused", outcome.Message);
    }

    [Fact]
    public async Task Tcp_OpenAndClosedPorts()
    {
        using var handlers = new ProbeHandlers(_runtime);
        var open = await handlers.TcpAsync("127.0.0.1", "http", Container(_httpPort), TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Equal(ProbeResult.Success, open.Result);
        var closedPort = FreePort();
        var closed = await handlers.TcpAsync("127.0.0.1", closedPort, Container(closedPort), TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Equal(ProbeResult.Failure, closed.Result);
        Assert.Equal($"dial tcp 127.0.0.1:{closedPort}: connect: connection refused", closed.Message);
    }

    [Fact]
    public async Task Exec_ExitCodeAndTimeout()
    {
        var results = new Queue<ExecSyncResult>([new(0, [], [], false), new(1, "bad\n"u8.ToArray(), [], false), new(0, [], [], true)]);
        _runtime.ExecHandler = (_, _) => results.Dequeue();
        var sandbox = await _runtime.RunPodSandboxAsync(new PodSandboxConfig("ns", "p", "u", 0, "p", "/tmp", new Dictionary<string, string>()), CancellationToken.None);
        var id = await _runtime.CreateContainerAsync(sandbox.Id, new ContainerConfig("c", 0, "img", ["x"], [], null, [], ContainerResources.None, "/tmp/x.log", false, false, false, new Dictionary<string, string>()), CancellationToken.None);
        await _runtime.StartContainerAsync(id, CancellationToken.None);
        using var handlers = new ProbeHandlers(_runtime);

        Assert.Equal(ProbeResult.Success, (await handlers.ExecAsync(id, ["check"], TimeSpan.FromSeconds(1), CancellationToken.None)).Result);
        var failed = await handlers.ExecAsync(id, ["check"], TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Fail("bad"), failed);
        var timedOut = await handlers.ExecAsync(id, ["check", "me"], TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Fail("command \"check me\" timed out"), timedOut);
    }

    [Theory]
    [InlineData("SERVING", ProbeResult.Success)]
    [InlineData("NOT_SERVING", ProbeResult.Failure)]
    public async Task Grpc_HealthCheck(string serving, ProbeResult expected)
    {
        _grpcStatus = serving;
        using var handlers = new ProbeHandlers(_runtime);
        var outcome = await handlers.GrpcAsync("127.0.0.1", _grpcPort, "svc", TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(expected, outcome.Result);
        if (expected == ProbeResult.Failure)
        {
            Assert.Equal("service unhealthy (responded with \"NOT_SERVING\")", outcome.Message);
        }
    }

    [Fact]
    public void ResolvePort_NumberOrName()
    {
        var container = Container(8080);
        Assert.Equal(8080, ProbeHandlers.ResolvePort("http", container));
        Assert.Equal(9090, ProbeHandlers.ResolvePort(9090, container));
        Assert.Null(ProbeHandlers.ResolvePort("nope", container));
    }
}
