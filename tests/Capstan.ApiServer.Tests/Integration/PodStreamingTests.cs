using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Capstan.Agent.Streaming;
using Capstan.Agent.Streaming.Tests.Fakes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>
/// pods/log and pods/exec through the API server to an agent streaming server (with a fake pod directory and a
/// runtime whose exec runs local processes), driven by the real kubectl.
/// </summary>
public sealed class PodStreamingTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private const string Kubectl = "/usr/bin/kubectl";
    private const string Node = "stream-node";

    private readonly FakePodDirectory _pods = new();
    private readonly ShellRuntime _runtime = new();
    private readonly string _logDir = Directory.CreateTempSubdirectory("capstan-pod-logs-").FullName;
    private AgentStreamingServer _agent = null!;

    private Kubernetes Client => fixture.Client;

    public async Task InitializeAsync()
    {
        _agent = await AgentStreamingServer.StartAsync(
            new AgentStreamingOptions { ListenAddress = IPAddress.Loopback, Port = 0, ClientCaCertificate = fixture.Server.Pki.CaCertificate, LogPollInterval = TimeSpan.FromMilliseconds(50) },
            _pods, _runtime, NullLoggerFactory.Instance, CancellationToken.None);

        // One node per test class instance would collide across tests; the fixture's server is shared, so upsert.
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = Node } };
        try
        {
            await Client.CreateNodeAsync(node);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }

        var current = await Client.ReadNodeAsync(Node);
        current.Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Address = "127.0.0.1", Type = "InternalIP" }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = _agent.Port } },
        };
        await Client.ReplaceNodeStatusAsync(current, Node);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        Directory.Delete(_logDir, recursive: true);
    }

    private async Task<string> CreateRunningPodAsync(string name, params string[] containers) => await CreateRunningPodAsync(name, stdin: false, containers);

    private async Task<string> CreateRunningPodAsync(string name, bool stdin, params string[] containers)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeName = Node,
                Containers = containers.Select(c => new V1Container { Name = c, Image = "test", Stdin = stdin, StdinOnce = stdin }).ToList(),
            },
        };
        await Client.CreateNamespacedPodAsync(pod, "default");
        var created = await Client.ReadNamespacedPodAsync(name, "default");
        created.Status = new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses = containers.Select(c => new V1ContainerStatus
            {
                Name = c,
                Image = "test",
                ImageID = "",
                Ready = true,
                RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
            }).ToList(),
        };
        await Client.ReplaceNamespacedPodStatusAsync(created, name, "default");
        var logPath = Path.Combine(_logDir, name + ".log");
        foreach (var container in containers)
        {
            _pods.Set("default", name, container, new ContainerRef(name + "-" + container, logPath, Running: true, Tty: false, Stdin: true));
        }

        return logPath;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(string? stdin, params string[] arguments) =>
        KubectlAsync(stdin, websockets: true, arguments);

    private async Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(string? stdin, bool websockets, params string[] arguments)
    {
        var start = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(fixture.Server.KubeconfigPath);
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add(fixture.Server.Address.ToString().TrimEnd('/'));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Without WebSockets kubectl falls back to SPDY/3.1 over a plain HTTP upgrade, as clients before 1.30 do.
        start.Environment["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = websockets ? "true" : "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task KubectlLogs_TailAndTimestamps_PrintsTheLastLines()
    {
        var logPath = await CreateRunningPodAsync("logs-pod", "app");
        await File.WriteAllTextAsync(logPath,
            "2026-11-25T10:00:01.100000000Z stdout F one\n2026-11-25T10:00:02.200000000Z stderr F two\n2026-11-25T10:00:03.300000000Z stdout F three\n");

        var all = await KubectlAsync(null, "logs", "logs-pod");
        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Equal("one\ntwo\nthree\n", all.Stdout);

        var tail = await KubectlAsync(null, "logs", "logs-pod", "--tail=2", "--timestamps");
        Assert.True(tail.ExitCode == 0, tail.Stderr);
        Assert.Equal("2026-11-25T10:00:02.2Z two\n2026-11-25T10:00:03.3Z three\n", tail.Stdout);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KubectlExec_CommandExitingWith3_PrintsOutputAndExitsWith3(bool websockets)
    {
        var pod = websockets ? "exec-pod" : "exec-spdy-pod";
        await CreateRunningPodAsync(pod, "app");
        var result = await KubectlAsync(null, websockets, "exec", pod, "--", "sh", "-c", "echo hi; exit 3");
        Assert.Equal("hi\n", result.Stdout);
        Assert.Equal(3, result.ExitCode);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KubectlExecInteractive_Stdin_ReachesTheCommand(bool websockets)
    {
        var pod = websockets ? "exec-stdin-pod" : "exec-stdin-spdy-pod";
        await CreateRunningPodAsync(pod, "app");
        var result = await KubectlAsync("hello from stdin\n", websockets, "exec", "-i", pod, "--", "cat");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("hello from stdin\n", result.Stdout);
    }

    [Fact]
    public async Task Log_SeveralContainersNoneNamed_Is400ListingThem()
    {
        await CreateRunningPodAsync("two-containers", "a", "b");
        using var response = await Client.HttpClient.GetAsync(new Uri(Client.BaseUri, "api/v1/namespaces/default/pods/two-containers/log"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("a container name must be specified for pod two-containers, choose one of: [a b]", (string?)status["message"]);
    }

    [Fact]
    public async Task Log_UnknownPod_Is404()
    {
        using var response = await Client.HttpClient.GetAsync(new Uri(Client.BaseUri, "api/v1/namespaces/default/pods/nope/log"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NotFound", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["reason"]);
    }

    [Fact]
    public async Task Log_UnscheduledPod_Is400WaitingToStart()
    {
        await Client.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pending-pod" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "test" }] },
        }, "default");
        using var response = await Client.HttpClient.GetAsync(new Uri(Client.BaseUri, "api/v1/namespaces/default/pods/pending-pod/log"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("container \"app\" in pod \"pending-pod\" is waiting to start: ContainerCreating", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task Exec_WithoutUpgrade_Is400()
    {
        await CreateRunningPodAsync("exec-plain", "app");
        using var response = await Client.HttpClient.PostAsync(new Uri(Client.BaseUri, "api/v1/namespaces/default/pods/exec-plain/exec?command=true"), null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task KubectlAttach_Stdin_ReachesTheContainerAndItsOutputComesBack()
    {
        await CreateRunningPodAsync("attach-pod", stdin: true, "app");
        _runtime.StartAttachable("attach-pod-app", "sh", "-c", "read l; echo got $l");
        var result = await KubectlAsync("x\n", "attach", "-i", "attach-pod");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("got x", result.Stdout);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KubectlPortForward_ForwardsALocalPortToThePod(bool websockets)
    {
        var podName = websockets ? "forward-pod" : "forward-spdy-pod";
        await CreateRunningPodAsync(podName, "app");
        using var pod = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        pod.Start();
        var podPort = ((IPEndPoint)pod.LocalEndpoint).Port;
        var echo = Task.Run(async () =>
        {
            using var connection = await pod.AcceptTcpClientAsync();
            await using var stream = connection.GetStream();
            var buffer = new byte[64];
            var read = await stream.ReadAtLeastAsync(buffer, 5);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("echo:" + System.Text.Encoding.ASCII.GetString(buffer, 0, read)));
        });

        var localPort = Capstan.Server.CapstanServer.FreePort();
        var start = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--kubeconfig", fixture.Server.KubeconfigPath, "--server", fixture.Server.Address.ToString().TrimEnd('/'), "port-forward", "pod/" + podName, $"{localPort}:{podPort}" })
        {
            start.ArgumentList.Add(argument);
        }

        // Without WebSockets kubectl speaks SPDY/3.1 over a plain HTTP upgrade.
        start.Environment["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = websockets ? "true" : "false";

        using var kubectl = Process.Start(start)!;
        var stderr = kubectl.StandardError.ReadToEndAsync();
        try
        {
            // kubectl says "Forwarding from 127.0.0.1:<port> -> <port>" once it listens.
            var line = await kubectl.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(line is not null && line.StartsWith("Forwarding from", StringComparison.Ordinal), line ?? await stderr);

            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, localPort);
            await using var stream = client.GetStream();
            await stream.WriteAsync("hello"u8.ToArray());
            var reply = new byte[64];
            var read = await stream.ReadAtLeastAsync(reply, "echo:hello".Length, throwOnEndOfStream: false).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("echo:hello", System.Text.Encoding.ASCII.GetString(reply, 0, read));
            await echo;
        }
        finally
        {
            kubectl.Kill(entireProcessTree: true);
            await kubectl.WaitForExitAsync();
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task KubectlLogsFollow_StreamsNewLinesUntilTheContainerExits()
    {
        var logPath = await CreateRunningPodAsync("follow-pod", "app");
        await File.WriteAllTextAsync(logPath, "2026-11-25T10:00:01Z stdout F before\n");
        var start = new ProcessStartInfo(Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--kubeconfig", fixture.Server.KubeconfigPath, "--server", fixture.Server.Address.ToString().TrimEnd('/'), "logs", "-f", "follow-pod" })
        {
            start.ArgumentList.Add(argument);
        }

        using var kubectl = Process.Start(start)!;
        var stderr = kubectl.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("before", await kubectl.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            await File.AppendAllTextAsync(logPath, "2026-11-25T10:00:02Z stdout F after\n");
            Assert.Equal("after", await kubectl.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

            // The container exits: the stream ends and kubectl with it.
            _pods.Set("default", "follow-pod", "app", new ContainerRef("follow-pod-app", logPath, Running: false, Tty: false, Stdin: false));
            Assert.Null(await kubectl.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            await kubectl.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(kubectl.ExitCode == 0, await stderr);
        }
        finally
        {
            if (!kubectl.HasExited)
            {
                kubectl.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("GET", "exec", "create")]
    [InlineData("POST", "exec", "create")]
    [InlineData("GET", "attach", "create")]
    [InlineData("GET", "portforward", "create")]
    [InlineData("GET", "log", "get")]
    public void Authorizable_StreamingSubresources_NeedCreateExceptLog(string method, string subresource, string verb)
    {
        var info = Capstan.ApiServer.Http.RequestInfo.Parse(method, $"/api/v1/namespaces/default/pods/p/{subresource}", watchQuery: false);
        Assert.Equal(verb, Capstan.ApiServer.Streaming.PodStreamEndpoint.Authorizable(info).Verb);
    }

    [Fact]
    public async Task CSharpClientPortForward_ChannelProtocol_ReachesThePod()
    {
        await CreateRunningPodAsync("client-forward-pod", "app");
        using var pod = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        pod.Start();
        var podPort = ((IPEndPoint)pod.LocalEndpoint).Port;
        var echo = Task.Run(async () =>
        {
            using var connection = await pod.AcceptTcpClientAsync();
            await using var stream = connection.GetStream();
            var buffer = new byte[64];
            var read = await stream.ReadAtLeastAsync(buffer, 5);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("echo:" + System.Text.Encoding.ASCII.GetString(buffer, 0, read)));
        });

        using var socket = await Client.WebSocketNamespacedPodPortForwardAsync("client-forward-pod", "default", [podPort], "v4.channel.k8s.io");
        using var demux = new StreamDemuxer(socket, StreamType.PortForward);
        demux.Start();
        await using var stream = demux.GetStream((byte?)0, (byte?)0);
        await stream.WriteAsync("hello"u8.ToArray());
        var reply = new byte[64];
        var read = await stream.ReadAtLeastAsync(reply, "echo:hello".Length, throwOnEndOfStream: false).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("echo:hello", System.Text.Encoding.ASCII.GetString(reply, 0, read));
        await echo;
    }

    [Fact]
    public async Task CSharpClientExec_V4_ReturnsOutputAndExitCode()
    {
        await CreateRunningPodAsync("client-exec-pod", "app");
        var output = "";
        var exitCode = await Client.NamespacedPodExecAsync("client-exec-pod", "default", "app", ["sh", "-c", "echo hi; exit 3"], false, async (stdin, stdout, stderr) =>
        {
            using var reader = new StreamReader(stdout);
            output = await reader.ReadToEndAsync();
        }, CancellationToken.None);
        Assert.Equal("hi\n", output);
        Assert.Equal(3, exitCode);
    }
}
