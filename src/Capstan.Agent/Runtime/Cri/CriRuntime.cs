using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>
/// Runs pods as real containers through a CRI v1 runtime (containerd) over its unix socket, as the kubelet does. containerd
/// keeps all state, so a new instance over the same socket lists what still runs. Container starts and exits are found by
/// listing containers every <see cref="CriRuntimeOptions.PollInterval"/> (containerd 1.6 has no CRI event stream); the
/// same loop rotates container logs by size.
/// </summary>
public sealed partial class CriRuntime : IContainerRuntime, IDisposable
{
    private readonly CriRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly V1.RuntimeService.RuntimeServiceClient _runtime;
    private readonly CriImageService _images;
    private readonly CriLogRotator _rotator;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _versionLock = new();
    // What CreateContainer must repeat per sandbox, and each container's sandbox (the CRI's ContainerStatus does not say).
    private readonly ConcurrentDictionary<string, V1.PodSandboxConfig> _sandboxConfigs = new();
    private readonly ConcurrentDictionary<string, string> _sandboxIps = new();
    private readonly ConcurrentDictionary<string, string> _containerSandboxes = new();
    private readonly Task _watcher;
    private V1.VersionResponse? _version;
    private int _isDisposed;

    public CriRuntime(CriRuntimeOptions options, ILogger<CriRuntime>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLogFileBytes, 1024, nameof(options.MaxLogFileBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLogFiles, 1, nameof(options.MaxLogFiles));
        _options = options;
        _logger = logger ?? NullLogger<CriRuntime>.Instance;
        _channel = CriChannel.Create(options.Endpoint);
        _runtime = new V1.RuntimeService.RuntimeServiceClient(_channel);
        _images = new CriImageService(new V1.ImageService.ImageServiceClient(_channel), options);
        _rotator = new CriLogRotator(_runtime, options, _logger);
        _watcher = Task.Run(() => WatchAsync(_disposed.Token));
    }

    /// <summary>The runtime's name as the CRI reports it ("containerd"), so nodes show containerd://1.6.20 as with the kubelet.</summary>
    public string Name => VersionInfo().RuntimeName;

    public string Version => VersionInfo().RuntimeVersion;

    public IImageService Images => _images;

    public event EventHandler<ContainerEvent>? ContainerChanged;

    /// <summary>Asks the runtime for its version: fails when the socket does not answer (the agent calls it at start-up).</summary>
    public async Task<(string Name, string Version, string ApiVersion)> ConnectAsync(CancellationToken ct)
    {
        var version = await _runtime.VersionAsync(new V1.VersionRequest { Version = "v1" }, Call(ct)).ConfigureAwait(false);
        lock (_versionLock)
        {
            _version = version;
        }

        return (version.RuntimeName, version.RuntimeVersion, version.RuntimeApiVersion);
    }

    /// <summary>The runtime's RuntimeReady and NetworkReady conditions (false with a reason until a CNI config exists).</summary>
    public async Task<IReadOnlyList<CriRuntimeCondition>> StatusAsync(CancellationToken ct)
    {
        var status = await _runtime.StatusAsync(new V1.StatusRequest(), Call(ct)).ConfigureAwait(false);
        return status.Status?.Conditions.Select(c => new CriRuntimeCondition(c.Type, c.Status, c.Reason, c.Message)).ToList() ?? [];
    }

    public async Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        // Idempotent per (uid, attempt): containerd refuses a second sandbox with the same metadata.
        var existing = await _runtime.ListPodSandboxAsync(new V1.ListPodSandboxRequest(), Call(ct)).ConfigureAwait(false);
        var match = existing.Items.FirstOrDefault(s =>
            s.Metadata?.Uid == config.Uid && s.Metadata.Attempt == (uint)config.Attempt && s.State == V1.PodSandboxState.SandboxReady);
        if (match is not null)
        {
            return await ToSandboxAsync(match, ct).ConfigureAwait(false);
        }

        var spec = CriSpecs.Sandbox(config);
        var reply = await _runtime.RunPodSandboxAsync(
            new V1.RunPodSandboxRequest { Config = spec, RuntimeHandler = config.RuntimeHandler.Length > 0 ? config.RuntimeHandler : _options.RuntimeHandler }, Call(ct)).ConfigureAwait(false);
        _sandboxConfigs[reply.PodSandboxId] = spec;
        var status = await _runtime.PodSandboxStatusAsync(
            new V1.PodSandboxStatusRequest { PodSandboxId = reply.PodSandboxId }, Call(ct)).ConfigureAwait(false);
        var ip = status.Status?.Network?.Ip ?? "";
        if (config.HostNetwork && ip.Length == 0)
        {
            ip = HostIp();
        }

        _sandboxIps[reply.PodSandboxId] = ip;
        return new PodSandbox(
            reply.PodSandboxId,
            config.Namespace,
            config.Name,
            config.Uid,
            config.Attempt,
            ip,
            status.Status?.State == V1.PodSandboxState.SandboxNotready ? SandboxState.NotReady : SandboxState.Ready,
            CriStatuses.Time(status.Status?.CreatedAt ?? 0) ?? _options.TimeProvider.GetUtcNow(),
            config.Labels);
    }

    public async Task StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        try
        {
            await _runtime.StopPodSandboxAsync(new V1.StopPodSandboxRequest { PodSandboxId = sandboxId }, Call(ct)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public async Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        try
        {
            await _runtime.RemovePodSandboxAsync(new V1.RemovePodSandboxRequest { PodSandboxId = sandboxId }, Call(ct)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }

        _sandboxConfigs.TryRemove(sandboxId, out _);
        _sandboxIps.TryRemove(sandboxId, out _);
    }

    public async Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct)
    {
        var reply = await _runtime.ListPodSandboxAsync(new V1.ListPodSandboxRequest(), Call(ct)).ConfigureAwait(false);
        var sandboxes = new List<PodSandbox>(reply.Items.Count);
        foreach (var item in reply.Items)
        {
            sandboxes.Add(await ToSandboxAsync(item, ct).ConfigureAwait(false));
        }

        return sandboxes;
    }

    public async Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sandbox = await SandboxConfigAsync(sandboxId, ct).ConfigureAwait(false);
        if (config.Security.RunAsNonRoot)
        {
            await VerifyNonRootAsync(config, ct).ConfigureAwait(false);
        }

        if (Path.GetDirectoryName(config.LogPath) is { Length: > 0 } logDir)
        {
            // containerd opens the log file but does not create the per-container directory.
            Directory.CreateDirectory(logDir);
        }

        var reply = await _runtime.CreateContainerAsync(new V1.CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = CriSpecs.Container(config, sandbox),
            SandboxConfig = sandbox,
        }, Call(ct)).ConfigureAwait(false);
        _containerSandboxes[reply.ContainerId] = sandboxId;
        _known[reply.ContainerId] = new KnownContainer(sandboxId, V1.ContainerState.ContainerCreated, config.Labels);
        return reply.ContainerId;
    }

    public async Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        await _runtime.StartContainerAsync(new V1.StartContainerRequest { ContainerId = containerId }, Call(ct)).ConfigureAwait(false);
        // Waking the pod worker at once rather than at the next poll.
        Observe(containerId, V1.ContainerState.ContainerRunning, sandboxId: null, labels: null, raiseNew: false);
    }

    public async Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        var seconds = (long)Math.Ceiling(Math.Max(0, gracePeriod.TotalSeconds));
        try
        {
            await _runtime.StopContainerAsync(
                new V1.StopContainerRequest { ContainerId = containerId, Timeout = seconds },
                Call(ct, TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public async Task RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        try
        {
            await _runtime.RemoveContainerAsync(new V1.RemoveContainerRequest { ContainerId = containerId }, Call(ct)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }

        _containerSandboxes.TryRemove(containerId, out _);
        _rotator.Forget(containerId);
    }

    public async Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct)
    {
        var request = new V1.ListContainersRequest();
        if (sandboxId is not null)
        {
            request.Filter = new V1.ContainerFilter { PodSandboxId = sandboxId };
        }

        var reply = await _runtime.ListContainersAsync(request, Call(ct)).ConfigureAwait(false);
        // ListContainers lacks exit codes, times and log paths: each container's status fills them in.
        var statuses = new List<ContainerStatus>(reply.Containers.Count);
        foreach (var container in reply.Containers)
        {
            _containerSandboxes[container.Id] = container.PodSandboxId;
            if (await StatusOrNullAsync(container.Id, ct).ConfigureAwait(false) is { } status)
            {
                statuses.Add(CriStatuses.Container(status, container.PodSandboxId));
            }
        }

        return statuses;
    }

    public async Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct)
    {
        if (await StatusOrNullAsync(containerId, ct).ConfigureAwait(false) is not { } status)
        {
            return null;
        }

        if (!_containerSandboxes.TryGetValue(containerId, out var sandboxId))
        {
            var reply = await _runtime.ListContainersAsync(
                new V1.ListContainersRequest { Filter = new V1.ContainerFilter { Id = containerId } }, Call(ct)).ConfigureAwait(false);
            sandboxId = reply.Containers.FirstOrDefault()?.PodSandboxId ?? "";
            if (sandboxId.Length > 0)
            {
                _containerSandboxes[containerId] = sandboxId;
            }
        }

        return CriStatuses.Container(status, sandboxId);
    }

    public async Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var request = new V1.ExecSyncRequest
        {
            ContainerId = containerId,
            // Whole seconds, 0 meaning none: a sub-second timeout becomes one second.
            Timeout = timeout <= TimeSpan.Zero ? 0 : Math.Max(1, (long)Math.Ceiling(timeout.TotalSeconds)),
        };
        request.Cmd.Add(command);
        try
        {
            var extra = timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero;
            var reply = await _runtime.ExecSyncAsync(request, Call(ct, extra)).ConfigureAwait(false);
            return new ExecSyncResult(reply.ExitCode, reply.Stdout.ToByteArray(), reply.Stderr.ToByteArray(), TimedOut: false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded
            || e.Status.Detail.Contains("deadline exceeded", StringComparison.OrdinalIgnoreCase)
            || e.Status.Detail.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            return new ExecSyncResult(-1, [], [], TimedOut: true);
        }
    }

    public async Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct)
    {
        var exec = new V1.ExecRequest
        {
            ContainerId = containerId,
            Tty = request.Tty,
            Stdin = request.Stdin,
            Stdout = request.Stdout,
            // With a TTY stderr is merged into stdout; the CRI refuses both.
            Stderr = request.Stderr && !request.Tty,
        };
        exec.Cmd.Add(request.Command);
        var reply = await _runtime.ExecAsync(exec, Call(ct)).ConfigureAwait(false);
        return await ConnectStreamAsync(new Uri(reply.Url), exec.Stdin, exec.Stdout, exec.Stderr, exec.Tty, attachedExit: null, ct).ConfigureAwait(false);
    }

    public async Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct)
    {
        _ = await StatusOrNullAsync(containerId, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"container {containerId} not found");
        var stdin = (await ContainerConfigStdinAsync(containerId, ct).ConfigureAwait(false)) ?? false;
        var attach = new V1.AttachRequest { ContainerId = containerId, Stdin = stdin, Tty = tty, Stdout = true, Stderr = !tty };
        var reply = await _runtime.AttachAsync(attach, Call(ct)).ConfigureAwait(false);
        return await ConnectStreamAsync(new Uri(reply.Url), attach.Stdin, attach.Stdout, attach.Stderr, tty, AttachedExitAsync, ct).ConfigureAwait(false);

        // The stream ends when the container exits (or the session is disposed); containerd may record the exit a moment later.
        async Task<int> AttachedExitAsync()
        {
            for (var i = 0; i < 20; i++)
            {
                var final = await StatusOrNullAsync(containerId, CancellationToken.None).ConfigureAwait(false);
                if (final is null or { State: not V1.ContainerState.ContainerRunning })
                {
                    return final is { State: V1.ContainerState.ContainerExited } ? final.ExitCode : -1;
                }

                if (Volatile.Read(ref _isDisposed) != 0 || i == 19)
                {
                    break;
                }

                await Task.Delay(100).ConfigureAwait(false);
            }

            return -1;
        }
    }

    /// <summary>
    /// Sessions with stdin speak SPDY, the only remote-command transport containerd 1.6 lets a client half-close stdin on
    /// (its websocket server predates v5.channel.k8s.io); the rest keep the websocket.
    /// </summary>
    private static async Task<IStreamSession> ConnectStreamAsync(
        Uri url, bool stdin, bool stdout, bool stderr, bool tty, Func<Task<int>>? attachedExit, CancellationToken ct) =>
        stdin
            ? await CriSpdyStreamSession.ConnectAsync(url, stdin, stdout, stderr, tty, attachedExit, ct).ConfigureAwait(false)
            : await CriStreamSession.ConnectAsync(url, stdin, stdout, stderr, tty, attachedExit, ct).ConfigureAwait(false);

    /// <summary>The URL of the runtime's port-forward stream for the sandbox (SPDY or websocket portforward protocol).</summary>
    public async Task<Uri> PortForwardUrlAsync(string sandboxId, IReadOnlyList<int> ports, CancellationToken ct)
    {
        var request = new V1.PortForwardRequest { PodSandboxId = sandboxId };
        request.Port.Add(ports);
        var reply = await _runtime.PortForwardAsync(request, Call(ct)).ConfigureAwait(false);
        return new Uri(reply.Url);
    }

    /// <summary>
    /// A connection to <paramref name="port"/> inside the sandbox's network namespace through the runtime's streaming server
    /// (the kubelet's way to serve kubectl port-forward); unlike dialling the pod IP it reaches ports bound to 127.0.0.1.
    /// </summary>
    public async Task<Stream> PortForwardAsync(string sandboxId, int port, CancellationToken ct)
    {
        var url = await PortForwardUrlAsync(sandboxId, [port], ct).ConfigureAwait(false);
        return await CriPortForwardStream.ConnectAsync(url, port, ct).ConfigureAwait(false);
    }

    /// <summary>One container's CPU and memory use; null when the container is unknown.</summary>
    public async Task<CriContainerStats?> ContainerStatsAsync(string containerId, CancellationToken ct)
    {
        try
        {
            var reply = await _runtime.ContainerStatsAsync(new V1.ContainerStatsRequest { ContainerId = containerId }, Call(ct)).ConfigureAwait(false);
            return reply.Stats is null ? null : CriStatuses.Stats(reply.Stats);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>CPU and memory use of the containers of one sandbox, or of all when <paramref name="sandboxId"/> is null.</summary>
    public async Task<IReadOnlyList<CriContainerStats>> ListContainerStatsAsync(string? sandboxId, CancellationToken ct)
    {
        var request = new V1.ListContainerStatsRequest();
        if (sandboxId is not null)
        {
            request.Filter = new V1.ContainerStatsFilter { PodSandboxId = sandboxId };
        }

        var reply = await _runtime.ListContainerStatsAsync(request, Call(ct)).ConfigureAwait(false);
        return reply.Stats.Select(CriStatuses.Stats).ToList();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _isDisposed, 1) != 0)
        {
            return;
        }

        _disposed.Cancel();
        try
        {
            _watcher.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the watcher ends with the cancellation
        }

        _channel.Dispose();
        _disposed.Dispose();
    }

    private CallOptions Call(CancellationToken ct, TimeSpan extra = default) =>
        new(deadline: DateTime.UtcNow + _options.RequestTimeout + extra, cancellationToken: ct);

    private V1.VersionResponse VersionInfo()
    {
        lock (_versionLock)
        {
            if (_version is not null)
            {
                return _version;
            }
        }

        // The seam's Name and Version are properties; the first read asks the runtime (the agent normally called ConnectAsync).
        var version = _runtime.Version(new V1.VersionRequest { Version = "v1" }, Call(CancellationToken.None));
        lock (_versionLock)
        {
            _version = version;
            return version;
        }
    }

    private async Task<V1.ContainerStatus?> StatusOrNullAsync(string containerId, CancellationToken ct)
    {
        try
        {
            var reply = await _runtime.ContainerStatusAsync(new V1.ContainerStatusRequest { ContainerId = containerId }, Call(ct)).ConfigureAwait(false);
            return reply.Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Whether the container was created with stdin open, from the runtime's verbose status (null when it does not say).</summary>
    private async Task<bool?> ContainerConfigStdinAsync(string containerId, CancellationToken ct)
    {
        try
        {
            var reply = await _runtime.ContainerStatusAsync(
                new V1.ContainerStatusRequest { ContainerId = containerId, Verbose = true }, Call(ct)).ConfigureAwait(false);
            if (!reply.Info.TryGetValue("info", out var info))
            {
                return null;
            }

            using var doc = System.Text.Json.JsonDocument.Parse(info);
            return doc.RootElement.TryGetProperty("config", out var config) && config.TryGetProperty("stdin", out var stdin)
                && stdin.ValueKind == System.Text.Json.JsonValueKind.True;
        }
        catch (Exception e) when (e is RpcException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task<V1.PodSandboxConfig> SandboxConfigAsync(string sandboxId, CancellationToken ct)
    {
        if (_sandboxConfigs.TryGetValue(sandboxId, out var cached))
        {
            return cached;
        }

        var status = await _runtime.PodSandboxStatusAsync(new V1.PodSandboxStatusRequest { PodSandboxId = sandboxId }, Call(ct)).ConfigureAwait(false);
        var annotations = status.Status is null ? new Dictionary<string, string>() : new Dictionary<string, string>(status.Status.Annotations);
        var config = CriSpecs.FromAnnotations(annotations)
            ?? throw new InvalidOperationException($"sandbox {sandboxId} was not created by Capstan (no {CriSpecs.SandboxConfigAnnotation} annotation)");
        _sandboxConfigs[sandboxId] = config;
        return config;
    }

    private async Task<PodSandbox> ToSandboxAsync(V1.PodSandbox sandbox, CancellationToken ct)
    {
        if (!_sandboxIps.TryGetValue(sandbox.Id, out var ip))
        {
            ip = "";
            try
            {
                var status = await _runtime.PodSandboxStatusAsync(
                    new V1.PodSandboxStatusRequest { PodSandboxId = sandbox.Id }, Call(ct)).ConfigureAwait(false);
                ip = status.Status?.Network?.Ip ?? "";
                if (ip.Length == 0 && status.Status?.Annotations is { } annotations
                    && CriSpecs.FromAnnotations(new Dictionary<string, string>(annotations)) is { } config
                    && config.Linux?.SecurityContext?.NamespaceOptions?.Network == V1.NamespaceMode.Node)
                {
                    ip = HostIp();
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }

            if (sandbox.State == V1.PodSandboxState.SandboxReady)
            {
                _sandboxIps[sandbox.Id] = ip;
            }
        }

        return CriStatuses.Sandbox(sandbox, ip);
    }

    /// <summary>hostNetwork pods report the node's address (the CRI gives them none): that of the default route's interface.</summary>
    internal static string HostIp()
    {
        try
        {
            var nics = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up
                    && n.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback)
                .ToList();
            var preferred = DefaultRouteInterface();
            foreach (var nic in nics.OrderBy(n => n.Name == preferred ? 0 : 1))
            {
                foreach (var address in nic.GetIPProperties().UnicastAddresses)
                {
                    if (address.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                    {
                        return address.Address.ToString();
                    }
                }
            }
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
        }

        return "127.0.0.1";
    }

    /// <summary>The interface of the IPv4 default route with the lowest metric, from /proc/net/route; null when none.</summary>
    internal static string? DefaultRouteInterface()
    {
        try
        {
            return File.ReadLines("/proc/net/route")
                .Skip(1)
                .Select(line => line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Where(f => f.Length > 6 && f[1] == "00000000" && f[7] == "00000000")
                .OrderBy(f => int.TryParse(f[6], System.Globalization.CultureInfo.InvariantCulture, out var metric) ? metric : int.MaxValue)
                .Select(f => f[0])
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task VerifyNonRootAsync(ContainerConfig config, CancellationToken ct)
    {
        if (config.Security.RunAsUser is { } uid)
        {
            if (uid == 0)
            {
                throw new InvalidOperationException("container's runAsUser breaks non-root policy (pod: runAsNonRoot, container will run as root)");
            }

            return;
        }

        var image = await _images.ImageAsync(config.ImageRef ?? config.Image, ct).ConfigureAwait(false);
        if (image is null)
        {
            return;
        }

        var rootUid = image.Uid is { } imageUid ? imageUid.Value == 0 : image.Username is "" or "root";
        if (rootUid)
        {
            throw new InvalidOperationException("container has runAsNonRoot and image will run as root");
        }

        if (image.Uid is null && image.Username.Length > 0)
        {
            throw new InvalidOperationException($"container has runAsNonRoot and image has non-numeric user ({image.Username}), cannot verify user is non-root");
        }
    }
}
