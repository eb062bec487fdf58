using System.Net;
using System.Text.Json.Nodes;
using Capstan.Agent.Runtime;
using Capstan.Agent.Streaming;
using Capstan.Api.Kinds.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.Agent.Pods;

internal sealed partial class PodWorker
{
    /// <summary>The status the kubelet would report for what the runtime shows now.</summary>
    private V1PodStatus BuildStatus(V1Pod pod, PodSandbox? sandbox, IReadOnlyList<ContainerStatus> containers, bool podIsTerminal)
    {
        var now = Seconds(Now.UtcDateTime);
        _startTime ??= now;
        var initStatuses = (pod.Spec.InitContainers ?? []).Select(c => ContainerStatusOf(pod, c, containers, isInit: true, podIsTerminal)).ToList();
        var statuses = pod.Spec.Containers.Select(c => ContainerStatusOf(pod, c, containers, isInit: false, podIsTerminal)).ToList();
        var phase = PodPhases.IsTerminal(pod.Status?.Phase) ? pod.Status!.Phase : PodPhases.Compute(pod.Spec, initStatuses, statuses, podIsTerminal);
        var terminal = PodPhases.IsTerminal(phase);
        var hostIp = _ctx.Options.NodeIp.ToString();
        var podIp = sandbox is null ? pod.Status?.PodIP : PodIpOf(pod, sandbox);

        var conditions = new List<V1PodCondition>();
        if (!podIsTerminal || sandbox is not null)
        {
            conditions.Add(Condition("PodReadyToStartContainers", sandbox is { State: SandboxState.Ready } && !podIsTerminal, null, null, now));
        }

        var uninitialized = initStatuses.Where(s => !IsInitDone(pod, s)).Select(s => s.Name).ToList();
        var initialized = _initialized || uninitialized.Count == 0 || statuses.Any(s => s.State?.Waiting is null);
        conditions.Add(terminal && initialized
            ? Condition("Initialized", true, "PodCompleted", null, now)
            : Condition("Initialized", initialized, initialized ? null : "ContainersNotInitialized", initialized ? null : $"containers with incomplete status: [{string.Join(' ', uninitialized)}]", now));

        var unready = statuses.Concat(initStatuses.Where(s => (pod.Spec.InitContainers ?? []).Any(c => c.Name == s.Name && IsSidecar(c))))
            .Where(s => !s.Ready).Select(s => s.Name).ToList();
        var containersReady = unready.Count == 0 && !terminal;
        var notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
        var notReadyMessage = terminal ? null : $"containers with unready status: [{string.Join(' ', unready)}]";
        conditions.Add(Condition("ContainersReady", containersReady, containersReady ? null : notReadyReason, containersReady ? null : notReadyMessage, now));
        var gatesPending = (pod.Spec.ReadinessGates ?? [])
            .Where(g => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == g.ConditionType)?.Status != "True").Select(g => g.ConditionType).ToList();
        var ready = containersReady && gatesPending.Count == 0;
        conditions.Add(ready ? Condition("Ready", true, null, null, now)
            : !containersReady ? Condition("Ready", false, notReadyReason, notReadyMessage, now)
            : Condition("Ready", false, "ReadinessGatesNotReady", $"corresponding condition of pod readiness gate \"{string.Join("\", \"", gatesPending)}\" does not exist.", now));

        // Conditions the kubelet does not own (PodScheduled, DisruptionTarget, readiness gates) pass through unchanged.
        foreach (var other in pod.Status?.Conditions ?? [])
        {
            if (!conditions.Any(c => c.Type == other.Type))
            {
                conditions.Add(other);
            }
        }

        return new V1PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new V1PodIP { Ip = podIp }],
            StartTime = _startTime,
            QosClass = pod.Status?.QosClass ?? PodQos.Compute(JsonNode.Parse(KubernetesJson.Serialize(pod.Spec))!.AsObject()),
            InitContainerStatuses = initStatuses.Count == 0 ? null : initStatuses,
            ContainerStatuses = statuses,
        };
    }

    private static bool IsInitDone(V1Pod pod, V1ContainerStatus s) =>
        (pod.Spec.InitContainers ?? []).Any(c => c.Name == s.Name && IsSidecar(c)) ? s.Started == true : s.State?.Terminated?.ExitCode == 0;

    private V1ContainerStatus ContainerStatusOf(V1Pod pod, V1Container spec, IReadOnlyList<ContainerStatus> containers, bool isInit, bool podIsTerminal)
    {
        var latest = Latest(containers, spec.Name);
        var previous = Previous(containers, spec.Name, latest);
        var status = new V1ContainerStatus
        {
            Name = spec.Name,
            Image = spec.Image ?? "",
            ImageID = latest?.ImageRef ?? spec.Image ?? "",
            RestartCount = latest?.Attempt ?? (AttemptFor(pod, spec.Name, null) is var a && a > 0 ? a - 1 : 0),
            Ready = false,
            Started = false,
        };
        if (latest is null)
        {
            var (reason, message) = _waiting.TryGetValue(spec.Name, out var w) ? w
                : (!isInit && !_initialized && (pod.Spec.InitContainers?.Count ?? 0) > 0) ? (PodInitializing, (string?)null)
                : (ContainerCreating, null);
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };
            return status;
        }

        status.ContainerID = ContainerId(latest);
        if (latest.State is ContainerState.Running)
        {
            status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Seconds((latest.StartedAt ?? latest.CreatedAt).UtcDateTime) } };
            var probes = _probes.GetValueOrDefault(latest.Id);
            status.Started = probes?.Started ?? spec.StartupProbe is null;
            status.Ready = !isInit || IsSidecar(spec) ? probes?.Ready ?? (spec.StartupProbe is null && spec.ReadinessProbe is null) : false;
            if (previous is not null)
            {
                status.LastState = new V1ContainerState { Terminated = Terminated(previous, spec) };
            }

            return status;
        }

        if (latest.State is ContainerState.Created or ContainerState.Unknown)
        {
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = ContainerCreating } };
            return status;
        }

        // Exited: waiting to restart (CrashLoopBackOff, or a config error on the way back), or terminated for good.
        if (!podIsTerminal && _waiting.TryGetValue(spec.Name, out var waiting))
        {
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message } };
            status.LastState = new V1ContainerState { Terminated = Terminated(latest, spec) };
            return status;
        }

        status.State = new V1ContainerState { Terminated = Terminated(latest, spec) };
        if (previous is not null)
        {
            status.LastState = new V1ContainerState { Terminated = Terminated(previous, spec) };
        }

        return status;
    }

    private V1ContainerStateTerminated Terminated(ContainerStatus c, V1Container spec) => new()
    {
        ExitCode = c.ExitCode,
        Reason = c.Reason ?? (c.ExitCode == 0 ? "Completed" : "Error"),
        Message = !string.IsNullOrEmpty(c.Message) ? c.Message
            : TerminationMessage(c) is { Length: > 0 } written ? written
            : c.ExitCode != 0 && spec.TerminationMessagePolicy == "FallbackToLogsOnError" ? LogTail(c) : c.Message,
        StartedAt = c.StartedAt is { } s ? Seconds(s.UtcDateTime) : null,
        FinishedAt = c.FinishedAt is { } f ? Seconds(f.UtcDateTime) : null,
        ContainerID = ContainerId(c),
    };

    /// <summary>
    /// terminationMessagePolicy FallbackToLogsOnError: a failed container's message is the end of its log (at most 80
    /// lines and 2048 bytes, as the kubelet takes), read once per container instance.
    /// </summary>
    private string? LogTail(ContainerStatus c)
    {
        if (_logTails.TryGetValue(c.Id, out var cached))
        {
            return cached;
        }

        string? tail = null;
        try
        {
            if (File.Exists(c.LogPath))
            {
                // CRI log lines: "<timestamp> <stream> <P|F> <text>"; partial (P) lines join the next one.
                var text = new System.Text.StringBuilder();
                foreach (var line in File.ReadLines(c.LogPath).TakeLast(80))
                {
                    var parts = line.Split(' ', 4);
                    if (parts.Length == 4)
                    {
                        text.Append(parts[3]);
                        if (parts[2] != "P")
                        {
                            text.Append('\n');
                        }
                    }
                }

                var all = text.ToString();
                tail = all.Length > 2048 ? all[^2048..] : all;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        if (_logTails.Count > 16)
        {
            _logTails.Clear();
        }

        _logTails[c.Id] = tail;
        return tail;
    }

    /// <summary>What the container wrote to its terminationMessagePath (at most 4096 bytes, as the kubelet reads), read once per instance.</summary>
    private string? TerminationMessage(ContainerStatus c)
    {
        if (_ctx.Runtime.Images is null)
        {
            return null;
        }

        var key = "termination/" + c.Id;
        if (_logTails.TryGetValue(key, out var cached))
        {
            return cached;
        }

        string? message = null;
        try
        {
            var path = TerminationMessageFile(c.Name, c.Attempt);
            if (File.Exists(path))
            {
                using var file = File.OpenRead(path);
                var buffer = new byte[4096];
                var read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                message = System.Text.Encoding.UTF8.GetString(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        if (_logTails.Count > 16)
        {
            _logTails.Clear();
        }

        _logTails[key] = message;
        return message;
    }

    private string ContainerId(ContainerStatus c) => $"{_ctx.Runtime.Name}://{c.Id}";

    private V1PodCondition Condition(string type, bool value, string? reason, string? message, DateTime now)
    {
        var status = value ? "True" : "False";
        DateTime transition;
        if (_conditions.TryGetValue(type, out var known) && known.Status == status)
        {
            transition = known.Transition;
        }
        else if (!_conditions.ContainsKey(type) && Volatile.Read(ref _pod).Status?.Conditions?.FirstOrDefault(c => c.Type == type) is { } reported
            && reported.Status == status && reported.LastTransitionTime is { } t)
        {
            transition = t;
        }
        else
        {
            transition = now;
        }

        _conditions[type] = (status, transition);
        return new V1PodCondition { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = transition };
    }

    /// <summary>Merge-patches pods/{name}/status when the status differs from what this worker last posted.</summary>
    private async Task PostStatusAsync(V1PodStatus status, CancellationToken ct)
    {
        var json = KubernetesJson.Serialize(status);
        if (json == _lastStatus)
        {
            return;
        }

        var patch = new V1Patch($$"""{"status":{{json}}}""", V1Patch.PatchType.MergePatch);
        try
        {
            await _ctx.Client.CoreV1.PatchNamespacedPodStatusAsync(patch, Name, Namespace, cancellationToken: ct).ConfigureAwait(false);
            _lastStatus = json;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Gone or replaced by a new pod of the same name: the informer will tell this worker.
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest)
        {
            // Retrying the same status cannot help; report it once and post again when the status changes.
            LogStatusRejected(Namespace, Name, ex.Response.Content);
            _lastStatus = json;
        }
    }

    /// <summary>Tells the streaming server which runtime containers serve this pod now.</summary>
    private void Publish(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers)
    {
        var names = (pod.Spec.InitContainers ?? []).Select(c => c.Name).Concat(pod.Spec.Containers.Select(c => c.Name)).ToList();
        var entries = new Dictionary<string, PodDirectory.ContainerEntry>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var spec = SpecOf(pod, name);
            var latest = Latest(containers, name);
            var previous = Previous(containers, name, latest);
            ContainerRef? Ref(ContainerStatus? c) => c is null ? null
                : new ContainerRef(c.Id, c.LogPath, c.State == ContainerState.Running, spec?.Tty == true, spec?.Stdin == true);
            entries[name] = new PodDirectory.ContainerEntry(Ref(latest), Ref(previous));
        }

        _ctx.Directory.Set(Namespace, Name, new PodDirectory.PodEntry(Uid, names, entries, sandbox.State == SandboxState.Ready ? PodIpOf(pod, sandbox) : null));
    }

    /// <summary>A hostNetwork pod has the node's IP; any other the one its sandbox got.</summary>
    private string PodIpOf(V1Pod pod, PodSandbox sandbox) => pod.Spec.HostNetwork == true ? _ctx.Options.NodeIp.ToString() : sandbox.Ip;

    private static DateTime Seconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
