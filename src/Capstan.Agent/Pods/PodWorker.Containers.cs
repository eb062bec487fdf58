using System.Globalization;
using Capstan.Agent.Env;
using Capstan.Agent.Probes;
using Capstan.Agent.Runtime;
using Capstan.Agent.Volumes;
using k8s.Models;

namespace Capstan.Agent.Pods;

internal sealed partial class PodWorker
{
    /// <summary>Starts or restarts what the spec asks for next; returns true when it changed anything in the runtime.</summary>
    private async Task<bool> StartStepAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        var changed = false;
        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (!_initialized)
        {
            var done = true;
            foreach (var init in pod.Spec.InitContainers ?? [])
            {
                var latest = Latest(containers, init.Name);
                if (latest is null)
                {
                    changed |= await StartContainerAsync(pod, sandbox, init, AttemptFor(pod, init.Name, null), "init", ct).ConfigureAwait(false);
                    done = false;
                    break;
                }

                if (latest.State is ContainerState.Running or ContainerState.Created)
                {
                    // A sidecar lets the next init container start once it has started (its startup probe passed).
                    if (IsSidecar(init) && latest.State == ContainerState.Running
                        && (_probes.TryGetValue(latest.Id, out var p) ? p.Started : init.StartupProbe is null))
                    {
                        continue;
                    }

                    done = false;
                    break;
                }

                if (!IsSidecar(init) && latest.ExitCode == 0)
                {
                    continue;
                }

                done = false;
                if (IsSidecar(init) || policy != "Never")
                {
                    changed |= await RestartWithBackOffAsync(pod, sandbox, init, latest, IsSidecar(init) ? "sidecar" : "init", ct).ConfigureAwait(false);
                }

                break;
            }

            if (!done)
            {
                return changed;
            }

            _initialized = true;
        }

        foreach (var sidecar in (pod.Spec.InitContainers ?? []).Where(IsSidecar))
        {
            var latest = Latest(containers, sidecar.Name);
            if (latest is null)
            {
                changed |= await StartContainerAsync(pod, sandbox, sidecar, AttemptFor(pod, sidecar.Name, null), "sidecar", ct).ConfigureAwait(false);
            }
            else if (latest.State == ContainerState.Exited && !RegularContainersDone(pod, containers))
            {
                changed |= await RestartWithBackOffAsync(pod, sandbox, sidecar, latest, "sidecar", ct).ConfigureAwait(false);
            }
        }

        foreach (var container in pod.Spec.Containers)
        {
            var latest = Latest(containers, container.Name);
            if (latest is null)
            {
                changed |= await StartContainerAsync(pod, sandbox, container, AttemptFor(pod, container.Name, null), "regular", ct).ConfigureAwait(false);
            }
            else if (latest.State == ContainerState.Exited && ShouldRestart(policy, latest.ExitCode))
            {
                changed |= await RestartWithBackOffAsync(pod, sandbox, container, latest, "regular", ct).ConfigureAwait(false);
            }
        }

        return changed;
    }

    /// <summary>True when no regular container runs or will run again (the pod is finishing; its sidecars are not restarted).</summary>
    private static bool RegularContainersDone(V1Pod pod, IReadOnlyList<ContainerStatus> containers) =>
        pod.Spec.Containers.All(c => Latest(containers, c.Name) is { State: ContainerState.Exited } latest && !ShouldRestart(pod.Spec.RestartPolicy, latest.ExitCode));

    /// <summary>A container new to the runtime continues the restart count the pod's status shows (the runtime lost it, or the sandbox was recreated).</summary>
    private static int AttemptFor(V1Pod pod, string name, ContainerStatus? latest)
    {
        if (latest is not null)
        {
            return latest.Attempt + 1;
        }

        var reported = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).FirstOrDefault(s => s.Name == name);
        return reported is { ContainerID.Length: > 0 } ? reported.RestartCount + 1 : 0;
    }

    private async Task<bool> RestartWithBackOffAsync(V1Pod pod, PodSandbox sandbox, V1Container container, ContainerStatus latest, string kind, CancellationToken ct)
    {
        var finished = latest.FinishedAt ?? latest.CreatedAt;
        var started = latest.StartedAt ?? finished;
        if (!_backOff.TryRestart(container.Name, started, finished, Now, out var delay, out var until))
        {
            var message = $"back-off {ContainerBackOff.Format(delay)} restarting failed container={container.Name} pod={PodRef}";
            _waiting[container.Name] = (CrashLoopBackOff, message);
            if (_backOffReported.Add($"{container.Name}/{latest.Attempt}"))
            {
                _ctx.Events.Pod(pod, "Warning", "BackOff", $"Back-off restarting failed container {container.Name} in pod {PodRef}", FieldPath(pod, container));
            }

            Soon(until - Now);
            return false;
        }

        return await StartContainerAsync(pod, sandbox, container, latest.Attempt + 1, kind, ct).ConfigureAwait(false);
    }

    private async Task<bool> StartContainerAsync(V1Pod pod, PodSandbox sandbox, V1Container container, int attempt, string kind, CancellationToken ct)
    {
        var fieldPath = FieldPath(pod, container);
        string? imageRef = null;
        if (_ctx.Images is { } puller)
        {
            var pulled = await puller.EnsureAsync(pod, container, (type, reason, message) => _ctx.Events.Pod(pod, type, reason, message, fieldPath), ct).ConfigureAwait(false);
            if (!pulled.Ok)
            {
                _waiting[container.Name] = (pulled.Reason!, pulled.Message!);
                Soon(pulled.RetryAfter ?? TimeSpan.FromSeconds(5));
                return false;
            }

            imageRef = pulled.ImageRef;
        }

        List<KeyValuePair<string, string>> env;
        try
        {
            env = await _ctx.Env.BuildAsync(pod, container, PodIpOf(pod, sandbox), _ctx.Options.NodeIp.ToString(), ct).ConfigureAwait(false);
        }
        catch (EnvConfigException ex)
        {
            _waiting[container.Name] = ("CreateContainerConfigError", ex.Message);
            _ctx.Events.Pod(pod, "Warning", "Failed", $"Error: {ex.Message}", fieldPath);
            Soon(TimeSpan.FromSeconds(2));
            return false;
        }

        var lookup = env.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var command = (container.Command ?? []).Select(a => VarExpansion.Expand(a, n => lookup.GetValueOrDefault(n))).ToList();
        var args = (container.Args ?? []).Select(a => VarExpansion.Expand(a, n => lookup.GetValueOrDefault(n))).ToList();
        var argv = command.Concat(args).ToList();
        if (argv.Count == 0 && _ctx.Runtime.Images is null)
        {
            const string message = "the process runtime needs a command";
            _waiting[container.Name] = ("CreateContainerError", message);
            _ctx.Events.Pod(pod, "Warning", "Failed", $"Error: {message}", fieldPath);
            return false;
        }

        IReadOnlyList<Mount> mounts;
        try
        {
            mounts = Mounts(pod, container, lookup);
            if (_ctx.Runtime.Images is not null)
            {
                mounts = [.. mounts, TerminationMessageMount(container, attempt)];
            }
        }
        catch (VolumeSetupException ex)
        {
            _waiting[container.Name] = ("CreateContainerConfigError", ex.Message);
            _ctx.Events.Pod(pod, "Warning", "Failed", $"Error: {ex.Message}", fieldPath);
            Soon(TimeSpan.FromSeconds(2));
            return false;
        }

        var logPath = Path.Combine(_ctx.Options.PodLogDirectory(Namespace, Name, Uid), container.Name, attempt.ToString(CultureInfo.InvariantCulture) + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var config = new ContainerConfig(
            container.Name,
            attempt,
            container.Image ?? "",
            argv,
            env,
            string.IsNullOrEmpty(container.WorkingDir) ? null : container.WorkingDir,
            mounts,
            Resources(container),
            logPath,
            container.Stdin == true,
            container.StdinOnce == true,
            container.Tty == true,
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [ContainerLabels.PodUid] = Uid,
                [ContainerLabels.PodName] = Name,
                [ContainerLabels.PodNamespace] = Namespace,
                [ContainerLabels.ContainerName] = container.Name,
                [ContainerLabels.RestartCount] = attempt.ToString(CultureInfo.InvariantCulture),
                [ContainerLabels.ContainerKind] = kind,
                [ContainerLabels.Image] = container.Image ?? "",
            })
        {
            Command = command,
            Args = args,
            ImageRef = imageRef,
            Security = PodRuntimeConfig.ContainerSecurity(pod, container),
        };

        if (_ctx.Images is null)
        {
            _ctx.Events.Pod(pod, "Normal", "Pulled", $"Container image \"{container.Image}\" already present on machine", fieldPath);
        }

        string id;
        try
        {
            id = await _ctx.Runtime.CreateContainerAsync(sandbox.Id, config, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _waiting[container.Name] = ("CreateContainerError", ex.Message);
            _ctx.Events.Pod(pod, "Warning", "Failed", $"Error: {ex.Message}", fieldPath);
            Soon(TimeSpan.FromSeconds(2));
            return false;
        }

        _ctx.Events.Pod(pod, "Normal", "Created", $"Created container: {container.Name}", fieldPath);
        try
        {
            await _ctx.Runtime.StartContainerAsync(id, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A container that never started is removed so the next pass creates it again (Kubernetes: RunContainerError).
            _waiting[container.Name] = ("RunContainerError", ex.Message);
            _ctx.Events.Pod(pod, "Warning", "Failed", $"Error: {ex.Message}", fieldPath);
            await _ctx.Runtime.RemoveContainerAsync(id, ct).ConfigureAwait(false);
            Soon(TimeSpan.FromSeconds(2));
            return true;
        }

        _waiting.Remove(container.Name);
        LogStarted(container.Name, attempt, Namespace, Name, id);
        _ctx.Events.Pod(pod, "Normal", "Started", $"Started container {container.Name}", fieldPath);
        await RemoveOldInstancesAsync(sandbox, container.Name, attempt, ct).ConfigureAwait(false);

        if (container.Lifecycle?.PostStart is { } postStart)
        {
            var outcome = await RunHookAsync(postStart, container, PodIpOf(pod, sandbox), id, PodGrace(pod), ct).ConfigureAwait(false);
            if (outcome.Result != ProbeResult.Success)
            {
                _ctx.Events.Pod(pod, "Warning", "FailedPostStartHook", outcome.Message, fieldPath);
                _ctx.Events.Pod(pod, "Normal", "Killing", $"FailedPostStartHook", fieldPath);
                await _ctx.Runtime.StopContainerAsync(id, PodGrace(pod), ct).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>Keeps the newest exited instance before <paramref name="attempt"/> (kubectl logs --previous) and removes older ones.</summary>
    private async Task RemoveOldInstancesAsync(PodSandbox sandbox, string name, int attempt, CancellationToken ct)
    {
        var all = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
        var older = all.Where(c => c.Name == name && c.Attempt < attempt && c.State == ContainerState.Exited).OrderByDescending(c => c.Attempt).Skip(1);
        foreach (var old in older)
        {
            await _ctx.Runtime.RemoveContainerAsync(old.Id, ct).ConfigureAwait(false);
            try
            {
                // The runtime removes its state; the log files are the agent's.
                File.Delete(old.LogPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
            }
        }
    }

    /// <summary>Kills containers whose liveness probe failed, or whose startup probe gave up; they restart as any exited container does.</summary>
    private async Task<bool> KillUnhealthyAsync(V1Pod pod, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        var killed = false;
        foreach (var running in containers.Where(c => c.State == ContainerState.Running))
        {
            if (!_probes.TryGetValue(running.Id, out var probes) || probes.Killed || probes.Failing is not { } failing)
            {
                continue;
            }

            var spec = SpecOf(pod, running.Name);
            if (spec is null)
            {
                continue;
            }

            probes.Killed = true;
            var which = failing.Kind == ProbeKind.Startup ? "startup" : "liveness";
            _ctx.Events.Pod(pod, "Normal", "Killing", $"Container {spec.Name} failed {which} probe, will be restarted", FieldPath(pod, spec));
            var grace = failing.Probe.TerminationGracePeriodSeconds is { } probeGrace ? TimeSpan.FromSeconds(probeGrace) : PodGrace(pod);
            await StopContainerAsync(pod, spec, running, grace, announce: false, ct).ConfigureAwait(false);
            killed = true;
        }

        return killed;
    }

    /// <summary>
    /// A running container whose image was changed in the spec (the one mutable container field) is killed and started
    /// again at once, whatever the restart policy, as the kubelet does when a container's definition changes.
    /// </summary>
    private async Task<bool> RestartChangedAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers, CancellationToken ct)
    {
        var changed = false;
        foreach (var running in containers.Where(c => c.State == ContainerState.Running))
        {
            if (SpecOf(pod, running.Name) is not { } spec || (spec.Image ?? "") == (running.Labels.GetValueOrDefault(ContainerLabels.Image) ?? running.Image)
                || Latest(containers, running.Name)?.Id != running.Id)
            {
                continue;
            }

            _ctx.Events.Pod(pod, "Normal", "Killing", $"Container {spec.Name} definition changed, will be restarted", FieldPath(pod, spec));
            await StopContainerAsync(pod, spec, running, PodGrace(pod), announce: false, ct).ConfigureAwait(false);
            var kind = running.Labels.GetValueOrDefault(ContainerLabels.ContainerKind) ?? "regular";
            await StartContainerAsync(pod, sandbox, spec, running.Attempt + 1, kind, ct).ConfigureAwait(false);
            changed = true;
        }

        return changed;
    }

    /// <summary>Runs the preStop hook within the grace period, then stops the container with what remains of it.</summary>
    private async Task StopContainerAsync(V1Pod pod, V1Container? spec, ContainerStatus running, TimeSpan grace, bool announce, CancellationToken ct)
    {
        if (announce && spec is not null)
        {
            _ctx.Events.Pod(pod, "Normal", "Killing", $"Stopping container {spec.Name}", FieldPath(pod, spec));
        }

        LogStopping(running.Id, Namespace, Name, grace.TotalSeconds);
        var started = Time.GetTimestamp();
        if (spec?.Lifecycle?.PreStop is { } preStop && grace > TimeSpan.Zero)
        {
            var outcome = await RunHookAsync(preStop, spec, _sandbox is null ? "" : PodIpOf(pod, _sandbox), running.Id, grace, ct).ConfigureAwait(false);
            if (outcome.Result != ProbeResult.Success)
            {
                _ctx.Events.Pod(pod, "Warning", "FailedPreStopHook", outcome.Message, FieldPath(pod, spec));
            }
        }

        var remaining = grace - Time.GetElapsedTime(started);
        await _ctx.Runtime.StopContainerAsync(running.Id, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a postStart or preStop handler (exec, httpGet or sleep), bounded by <paramref name="limit"/>.</summary>
    private async Task<ProbeOutcome> RunHookAsync(V1LifecycleHandler hook, V1Container container, string podIp, string containerId, TimeSpan limit, CancellationToken ct)
    {
        var timeout = limit > TimeSpan.Zero ? limit : TimeSpan.FromSeconds(30);
        try
        {
            if (hook.Exec is { } exec)
            {
                var outcome = await _ctx.Probes.ExecAsync(containerId, exec.Command ?? [], timeout, ct).ConfigureAwait(false);
                return outcome.Result == ProbeResult.Success ? outcome
                    : ProbeOutcome.Fail($"Exec lifecycle hook ({string.Join(", ", exec.Command ?? [])}) for Container \"{container.Name}\" in Pod \"{PodRef}\" failed - error: {outcome.Message}");
            }

            if (hook.HttpGet is { } httpGet)
            {
                var outcome = await _ctx.Probes.HttpGetAsync(httpGet, container, podIp, timeout, ct).ConfigureAwait(false);
                return outcome.Result == ProbeResult.Success ? outcome
                    : ProbeOutcome.Fail($"HTTP lifecycle hook ({httpGet.Path}) for Container \"{container.Name}\" in Pod \"{PodRef}\" failed - error: {outcome.Message}");
            }

            if (hook.Sleep is { } sleep)
            {
                var duration = TimeSpan.FromSeconds(sleep.Seconds);
                await Task.Delay(duration < timeout ? duration : timeout, Time, ct).ConfigureAwait(false);
                return ProbeOutcome.Success;
            }

            if (hook.TcpSocket is { } tcp)
            {
                return await _ctx.Probes.TcpAsync(string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host, tcp.Port, container, timeout, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ProbeOutcome.Fail(ex.Message);
        }

        return ProbeOutcome.Success;
    }

    /// <summary>Starts probe workers for running containers that have none yet and stops those of containers no longer running.</summary>
    private async Task SyncProbesAsync(V1Pod pod, PodSandbox sandbox, IReadOnlyList<ContainerStatus> containers)
    {
        var running = containers.Where(c => c.State == ContainerState.Running).ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var id in _probes.Keys.Where(id => !running.ContainsKey(id)).ToList())
        {
            await _probes[id].DisposeAsync().ConfigureAwait(false);
            _probes.Remove(id);
        }

        foreach (var (id, status) in running)
        {
            if (_probes.ContainsKey(id) || SpecOf(pod, status.Name) is not { } spec)
            {
                continue;
            }

            var probes = new ContainerProbes(spec.Name);
            var startedAt = status.StartedAt ?? status.CreatedAt;
            var fieldPath = FieldPath(pod, spec);
            // A container adopted from a previous agent keeps what was reported for it, so a restarted agent causes no readiness blip.
            var reported = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? [])
                .FirstOrDefault(s => s.Name == spec.Name && s.ContainerID == ContainerId(status));
            ProbeResult? Initial(ProbeKind kind) => kind switch
            {
                ProbeKind.Startup when reported?.Started == true => ProbeResult.Success,
                ProbeKind.Readiness when reported?.Ready == true => ProbeResult.Success,
                _ => null,
            };
            ProbeWorker? Make(ProbeKind kind, V1Probe? probe) => probe is null ? null : new ProbeWorker(
                kind, probe, spec, PodIpOf(pod, sandbox), id, startedAt, _ctx.Probes, Time, () => probes.Started,
                (worker, outcome, changed) =>
                {
                    if (outcome.Result == ProbeResult.Failure)
                    {
                        _ctx.Events.Pod(pod, "Warning", "Unhealthy", $"{worker.Kind} probe failed: {outcome.Message}", fieldPath);
                    }

                    if (changed)
                    {
                        _wake.Set();
                    }
                },
                Initial(kind));

            probes.Startup = Make(ProbeKind.Startup, spec.StartupProbe);

            // Regular init containers are not probed; sidecars and containers are.
            var isInit = (pod.Spec.InitContainers ?? []).Any(c => c.Name == spec.Name && !IsSidecar(c));
            if (!isInit)
            {
                probes.Liveness = Make(ProbeKind.Liveness, spec.LivenessProbe);
                probes.Readiness = Make(ProbeKind.Readiness, spec.ReadinessProbe);
            }
            else
            {
                probes.Startup = null;
            }

            _probes[id] = probes;
            probes.Start();
        }
    }

    /// <summary>Stops everything of the pod (gracefully: preStop, SIGTERM, SIGKILL after the grace period), regular containers first, then sidecars in reverse order, then the sandbox.</summary>
    private async Task<V1PodStatus> TeardownAsync(V1Pod pod, TimeSpan grace, CancellationToken ct)
    {
        var sandboxes = (await _ctx.Runtime.ListPodSandboxesAsync(ct).ConfigureAwait(false))
            .Where(s => s.Uid == Uid || s.Labels.GetValueOrDefault(ContainerLabels.PodUid) == Uid).ToList();
        var containers = new List<ContainerStatus>();
        foreach (var sandbox in sandboxes)
        {
            containers.AddRange(await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false));
        }

        while (true)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_teardownLock)
            {
                _teardownStop = stop;
                _teardownGrace = grace;
            }

            try
            {
                await StopContainersAsync(pod, containers, grace, stop.Token).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Interrupted by a shorter grace period: stop what still runs with the new one.
                pod = Volatile.Read(ref _pod);
                var shorter = _gone ? ForceGrace : TimeSpan.FromSeconds(Math.Max(0, pod.Metadata.DeletionGracePeriodSeconds ?? 0));
                grace = shorter < grace ? shorter : grace;
                containers.Clear();
                foreach (var sandbox in sandboxes)
                {
                    containers.AddRange(await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false));
                }
            }
            finally
            {
                lock (_teardownLock)
                {
                    _teardownStop = null;
                }
            }
        }
        foreach (var probes in _probes.Values)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }

        _probes.Clear();
        var current = sandboxes.FirstOrDefault(s => s.Id == _sandbox?.Id) ?? sandboxes.MaxBy(s => s.Attempt);
        V1PodStatus? status = null;
        if (current is not null)
        {
            var final = await _ctx.Runtime.ListContainersAsync(current.Id, ct).ConfigureAwait(false);
            status = BuildStatus(pod, current, final, podIsTerminal: true);
        }

        foreach (var sandbox in sandboxes)
        {
            await _ctx.Runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
            await _ctx.Runtime.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
        }

        _sandbox = null;
        _ctx.Images?.Forget(Uid);
        MemoryEmptyDir.UnmountUnder(_ctx.Options.PodDirectory(Uid));
        _ctx.Volumes.Forget(Uid);
        TryDelete(_ctx.Options.PodDirectory(Uid));
        TryDelete(_ctx.Options.PodLogDirectory(Namespace, Name, Uid));
        return status ?? BuildStatus(pod, null, [], podIsTerminal: true);
    }

    private async Task StopContainersAsync(V1Pod pod, IReadOnlyList<ContainerStatus> containers, TimeSpan grace, CancellationToken ct)
    {
        var running = containers.Where(c => c.State is ContainerState.Running or ContainerState.Created).ToList();
        var sidecarNames = (pod.Spec.InitContainers ?? []).Where(IsSidecar).Select(c => c.Name).ToList();
        await Task.WhenAll(running.Where(c => !sidecarNames.Contains(c.Name))
            .Select(c => StopContainerAsync(pod, SpecOf(pod, c.Name), c, grace, announce: true, ct))).ConfigureAwait(false);
        foreach (var name in Enumerable.Reverse(sidecarNames))
        {
            foreach (var c in running.Where(c => c.Name == name))
            {
                await StopContainerAsync(pod, SpecOf(pod, c.Name), c, grace, announce: true, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>For a finished pod: stops what still runs (sidecars) and the sandbox; the pod's IP stays in its status.</summary>
    private async Task StopRemainingAsync(V1Pod pod, CancellationToken ct)
    {
        if (_sandbox is not { State: SandboxState.Ready } sandbox)
        {
            return;
        }

        var containers = await _ctx.Runtime.ListContainersAsync(sandbox.Id, ct).ConfigureAwait(false);
        await StopContainersAsync(pod, containers, PodGrace(pod), ct).ConfigureAwait(false);
        await _ctx.Runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
        _sandbox = sandbox with { State = SandboxState.NotReady };
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private IReadOnlyList<Mount> Mounts(V1Pod pod, V1Container container, IReadOnlyDictionary<string, string> env)
    {
        var mounts = new List<Mount>();
        foreach (var volumeMount in container.VolumeMounts ?? [])
        {
            var volume = pod.Spec.Volumes?.FirstOrDefault(v => v.Name == volumeMount.Name);
            if (volume is null || _ctx.Volumes.HostPath(Uid, volume) is not { } hostPath)
            {
                continue;
            }

            hostPath = SubPaths.Resolve(hostPath, volumeMount, env);

            mounts.Add(new Mount(hostPath, volumeMount.MountPath, volumeMount.ReadOnlyProperty == true || PodVolumes.IsReadOnly(volume), Propagation(volumeMount)));
        }

        // The process runtime can mount only inside a pod's own mount namespace (root); without one, pods share the host's file.
        // (The fake runtime runs nothing; the CRI runtime will take DNS settings with the sandbox instead.)
        if (_ctx.Runtime is Runtime.Process.ProcessRuntime { NamespacesEnabled: true }
            && Dns.PodResolvConf.Write(pod, _ctx.Options.Dns, _ctx.Options.PodDirectory(Uid)) is { } resolvConf)
        {
            mounts.Add(new Mount(resolvConf, "/etc/resolv.conf", ReadOnly: false));
        }

        return mounts;
    }

    /// <summary>
    /// terminationMessagePath (default /dev/termination-log): an empty host file per container instance, mounted
    /// writable; what the container writes there becomes its terminated state's message.
    /// </summary>
    private Mount TerminationMessageMount(V1Container container, int attempt)
    {
        var path = TerminationMessageFile(container.Name, attempt);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return new Mount(path, string.IsNullOrEmpty(container.TerminationMessagePath) ? "/dev/termination-log" : container.TerminationMessagePath, ReadOnly: false);
    }

    private string TerminationMessageFile(string name, int attempt) =>
        Path.Combine(_ctx.Options.PodDirectory(Uid), "containers", name, attempt.ToString(CultureInfo.InvariantCulture) + "-termination-log");

    private static MountPropagation Propagation(V1VolumeMount volumeMount) => volumeMount.MountPropagation switch
    {
        "HostToContainer" => MountPropagation.HostToContainer,
        "Bidirectional" => MountPropagation.Bidirectional,
        _ => MountPropagation.None,
    };

    private static ContainerResources Resources(V1Container container)
    {
        static long? Millis(IDictionary<string, ResourceQuantity>? map, string key) =>
            map is not null && map.TryGetValue(key, out var q) && q is not null ? (long)Math.Ceiling(q.ToDecimal() * 1000m) : null;
        static long? Bytes(IDictionary<string, ResourceQuantity>? map, string key) =>
            map is not null && map.TryGetValue(key, out var q) && q is not null ? (long)Math.Ceiling(q.ToDecimal()) : null;
        var requests = container.Resources?.Requests;
        var limits = container.Resources?.Limits;
        return new ContainerResources(Millis(requests, "cpu"), Millis(limits, "cpu"), Bytes(limits, "memory"));
    }

    private static TimeSpan PodGrace(V1Pod pod) => TimeSpan.FromSeconds(Math.Max(0, pod.Spec.TerminationGracePeriodSeconds ?? 30));

    private static V1Container? SpecOf(V1Pod pod, string name) =>
        pod.Spec.Containers.FirstOrDefault(c => c.Name == name) ?? pod.Spec.InitContainers?.FirstOrDefault(c => c.Name == name);

    private static string FieldPath(V1Pod pod, V1Container container) =>
        pod.Spec.Containers.Any(c => c.Name == container.Name) ? $"spec.containers{{{container.Name}}}" : $"spec.initContainers{{{container.Name}}}";
}
