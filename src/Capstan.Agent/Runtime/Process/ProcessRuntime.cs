using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SysProcess = System.Diagnostics.Process;
using SysProcessStartInfo = System.Diagnostics.ProcessStartInfo;

namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// The embedded runtime: each container is a host process supervised by a perl shim (<see cref="ShimScripts"/>) in its own
/// session, so containers outlive the agent; their pid and exit status are files under the state directory, which a new
/// instance reads back. Each sandbox gets a loopback IP from <see cref="ProcessRuntimeOptions.PodCidr"/>; as root on Linux
/// also its own mount, PID, UTS and IPC namespaces (held by a pod init process) and per-container cgroup limits.
/// </summary>
public sealed partial class ProcessRuntime : IContainerRuntime, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly ProcessRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _sandboxDir;
    private readonly string _containerDir;
    private readonly string _exitDir;
    private readonly string _shimPath;
    private readonly string _podInitPath;
    private readonly string _execPath;
    private readonly string _perl;
    private readonly PodIpPool _ips;
    private readonly ICgroupHierarchy? _cgroups;
    private readonly SyscallNumbers? _syscalls;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SandboxRecord> _sandboxes = [];
    private readonly Dictionary<string, ContainerEntry> _containers = [];
    private readonly FileSystemWatcher? _exitWatcher;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task _poller;
    private int _isDisposed;

    public ProcessRuntime(ProcessRuntimeOptions options, ILogger<ProcessRuntime>? logger = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the process runtime needs Linux");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLogFileBytes, 1024, nameof(options.MaxLogFileBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLogFiles, 1, nameof(options.MaxLogFiles));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        _options = options;
        _time = options.TimeProvider;
        _logger = logger ?? NullLogger<ProcessRuntime>.Instance;
        _ips = new PodIpPool(options.PodCidr);
        _perl = FindExecutable("perl") ?? throw new InvalidOperationException("the process runtime needs perl (Debian: perl-base) for its container shim");
        _sandboxDir = Path.Combine(options.StateDirectory, "sandboxes");
        _containerDir = Path.Combine(options.StateDirectory, "containers");
        _exitDir = Path.Combine(options.StateDirectory, "exits");
        var binDir = Path.Combine(options.StateDirectory, "bin");
        foreach (var dir in new[] { _sandboxDir, _containerDir, _exitDir, binDir })
        {
            Directory.CreateDirectory(dir);
        }

        _shimPath = WriteScript(binDir, "shim.pl", ShimScripts.Shim);
        _podInitPath = WriteScript(binDir, "pod-init.pl", ShimScripts.PodInit);
        _execPath = WriteScript(binDir, "exec.pl", ShimScripts.Exec);
        _syscalls = SyscallNumbers.ForCurrentArchitecture();
        if (options.UseNamespaces)
        {
            var why = _syscalls is null ? $"no syscall numbers for {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}"
                : FindExecutable("unshare") is null ? "util-linux unshare is not installed"
                : !ProbeNamespaces() ? "unshare -m -u -i -p failed" : null;
            NamespacesEnabled = why is null;
            if (why is not null)
            {
                Log.NoNamespaces(_logger, why);
            }
        }

        _cgroups = options.UseCgroups ? (ICgroupHierarchy?)CgroupV2.TryCreate() ?? CgroupV1.TryCreate() : null;
        if (options.UseCgroups && _cgroups is null)
        {
            Log.NoCgroups(_logger);
        }

        Load();
        _exitWatcher = WatchExits();
        _poller = Task.Run(PollAsync);
        Log.Started(_logger, options.StateDirectory, options.PodCidr, NamespacesEnabled, CgroupsEnabled, _containers.Count,
            _containers.Values.Count(c => c.State == ContainerState.Running));
    }

    public string Name => "process";

    public string Version => ProcessRuntimeDefaults.Version;

    /// <summary>True when pods get their own namespaces (root on Linux, util-linux unshare works, a known CPU architecture).</summary>
    public bool NamespacesEnabled { get; }

    public bool CgroupsEnabled => _cgroups is not null;

    public event EventHandler<ContainerEvent>? ContainerChanged;

    public async Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct)
    {
        string id;
        string ip;
        lock (_lock)
        {
            var existing = _sandboxes.Values.FirstOrDefault(s => s.Config.Uid == config.Uid && s.Config.Attempt == config.Attempt);
            if (existing is not null)
            {
                return ToPodSandbox(existing);
            }

            id = NewId();
            ip = _ips.Allocate();
        }

        try
        {
            Directory.CreateDirectory(Path.Combine(_sandboxDir, id));
            Directory.CreateDirectory(config.LogDirectory);
            var (initPid, initStart) = NamespacesEnabled ? await StartPodInitAsync(config.Hostname, ct).ConfigureAwait(false) : (0, 0L);
            var record = new SandboxRecord(id, config, ip, SandboxState.Ready, _time.GetUtcNow(), initPid, initStart);
            SaveSandbox(record);
            lock (_lock)
            {
                _sandboxes[id] = record;
            }

            return ToPodSandbox(record);
        }
        catch
        {
            lock (_lock)
            {
                _ips.Release(ip);
            }

            TryDeleteDirectory(Path.Combine(_sandboxDir, id));
            throw;
        }
    }

    public async Task StopPodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        SandboxRecord? sandbox;
        ContainerEntry[] containers;
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out sandbox))
            {
                return;
            }

            containers = [.. _containers.Values.Where(c => c.Record.SandboxId == sandboxId)];
        }

        foreach (var container in containers)
        {
            KillAll(container);
        }

        if (sandbox.InitPid > 0 && ProcStat.IsAlive(sandbox.InitPid, sandbox.InitStartTime))
        {
            // PID 1 of the pod's namespace: the kernel kills every process left in it.
            Libc.kill(sandbox.InitPid, Libc.SIGKILL);
        }

        await WaitExitedAsync(containers, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out sandbox) || sandbox.State == SandboxState.NotReady)
            {
                return;
            }

            _ips.Release(sandbox.Ip);
            sandbox = sandbox with { State = SandboxState.NotReady };
            _sandboxes[sandboxId] = sandbox;
        }

        SaveSandbox(sandbox);
    }

    public async Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct)
    {
        await StopPodSandboxAsync(sandboxId, ct).ConfigureAwait(false);
        string[] containers;
        lock (_lock)
        {
            containers = [.. _containers.Values.Where(c => c.Record.SandboxId == sandboxId).Select(c => c.Record.Id)];
        }

        foreach (var id in containers)
        {
            await RemoveContainerAsync(id, ct).ConfigureAwait(false);
        }

        lock (_lock)
        {
            _sandboxes.Remove(sandboxId);
        }

        await ReleasePropagationMountsAsync(sandboxId, ct).ConfigureAwait(false);
        TryDeleteDirectory(Path.Combine(_sandboxDir, sandboxId));
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<PodSandbox>>([.. _sandboxes.Values.Select(ToPodSandbox)]);
        }
    }

    public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        if (config.Argv.Count == 0)
        {
            throw new ArgumentException("a container needs a command", nameof(config));
        }

        SandboxRecord sandbox;
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out sandbox!) || sandbox.State != SandboxState.Ready)
            {
                throw new InvalidOperationException($"sandbox {sandboxId} is not ready");
            }
        }

        var id = NewId();
        var dir = Path.Combine(_containerDir, id);
        Directory.CreateDirectory(dir);
        var env = new List<KeyValuePair<string, string>>(config.Env);
        if (!env.Any(e => e.Key == "PATH"))
        {
            env.Add(new("PATH", ProcessRuntimeDefaults.DefaultPath));
        }

        if (!env.Any(e => e.Key == "HOSTNAME"))
        {
            env.Add(new("HOSTNAME", sandbox.Config.Hostname));
        }

        // Pods share the host's network here: a server that listens on 0.0.0.0 would take its port from every other
        // pod. POD_IP tells programs which address is theirs (DESIGN.md: the process runtime sets it).
        if (!env.Any(e => e.Key == "POD_IP"))
        {
            env.Add(new("POD_IP", sandbox.Ip));
        }

        var cgroups = _cgroups?.Create(id, config.Resources) ?? [];
        var record = new ContainerRecord(id, sandboxId, config, _time.GetUtcNow(), string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir, env, cgroups);
        WriteAtomic(Path.Combine(dir, "container.json"), JsonSerializer.Serialize(record, Json));
        lock (_lock)
        {
            _containers[id] = new ContainerEntry(record);
        }

        return Task.FromResult(id);
    }

    public async Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        ContainerEntry entry;
        SandboxRecord sandbox;
        lock (_lock)
        {
            entry = GetContainer(containerId);
            if (entry.State != ContainerState.Created || entry.Starting)
            {
                throw new InvalidOperationException($"container {containerId} is {entry.State}, not created");
            }

            sandbox = _sandboxes[entry.Record.SandboxId];
            entry.Starting = true;
        }

        string reply;
        try
        {
            reply = await LaunchShimAsync(entry.Record, sandbox, ct).ConfigureAwait(false);
        }
        catch
        {
            lock (_lock)
            {
                entry.Starting = false;
            }

            throw;
        }

        var dir = Path.Combine(_containerDir, containerId);
        lock (_lock)
        {
            entry.Starting = false;
            if (reply.StartsWith("ok ", StringComparison.Ordinal))
            {
                entry.State = ContainerState.Running;
                entry.StartedAt = _time.GetUtcNow();
                entry.Pid = int.Parse(reply.AsSpan(3).Trim());
                ReadPidFile(entry, dir);
            }
        }

        if (!reply.StartsWith("ok ", StringComparison.Ordinal))
        {
            // The shim has written exit code 128 with the reason; record it before failing, as containerd does.
            CheckExit(containerId);
            var message = reply.StartsWith("err ", StringComparison.Ordinal) ? reply[4..] : reply;
            throw new InvalidOperationException($"failed to start container {entry.Record.Config.Name}: {message.Trim()}");
        }

        Raise(ContainerEventKind.Started, entry);
        CheckExit(containerId);
    }

    public async Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct)
    {
        ContainerEntry entry;
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out entry!) || entry.State != ContainerState.Running)
            {
                return;
            }
        }

        if (entry.MainProcessIsAlive())
        {
            Libc.kill(entry.Pid, Libc.SIGTERM);
        }

        if (!await WaitExitedAsync([entry], gracePeriod, ct).ConfigureAwait(false))
        {
            KillAll(entry);
            if (!await WaitExitedAsync([entry], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"container {containerId} did not exit after SIGKILL");
            }
        }
    }

    public async Task RemoveContainerAsync(string containerId, CancellationToken ct)
    {
        ContainerEntry? entry;
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out entry))
            {
                return;
            }
        }

        if (entry.State == ContainerState.Running)
        {
            KillAll(entry);
            await WaitExitedAsync([entry], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        }

        lock (_lock)
        {
            _containers.Remove(containerId);
        }

        CgroupTree.Remove(entry.Record.CgroupDirs);
        TryDeleteDirectory(Path.Combine(_containerDir, containerId));
        TryDeleteFile(Path.Combine(_exitDir, containerId));
    }

    public Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ContainerStatus>>(
                [.. _containers.Values.Where(c => sandboxId is null || c.Record.SandboxId == sandboxId).Select(c => c.ToStatus())]);
        }
    }

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_containers.TryGetValue(containerId, out var entry) ? entry.ToStatus() : null);
        }
    }

    public void Dispose()
    {
        // Containers keep running: only this instance's watchers stop.
        if (Interlocked.Exchange(ref _isDisposed, 1) == 1)
        {
            return;
        }

        _disposed.Cancel();
        _exitWatcher?.Dispose();
        try
        {
            _poller.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _disposed.Dispose();
        ReleasePropagationRootIfUnused();
    }

    /// <summary>
    /// Watches the exit directory (an exit is seen at once), or returns null when inotify is out of instances (a per-user
    /// limit, 128 on Debian, that every process of the user shares): the poll then notices exits, a little later.
    /// </summary>
    private FileSystemWatcher? WatchExits()
    {
        var watcher = new FileSystemWatcher(_exitDir) { NotifyFilter = NotifyFilters.FileName, IncludeSubdirectories = false };
        watcher.Created += (_, e) => OnExitFileEvent(e.Name);
        watcher.Renamed += (_, e) => OnExitFileEvent(e.Name);
        try
        {
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (IOException e)
        {
            watcher.Dispose();
            Log.NoExitWatcher(_logger, e.Message, _options.PollInterval);
            return null;
        }
    }

    private async Task<string> LaunchShimAsync(ContainerRecord record, SandboxRecord sandbox, CancellationToken ct)
    {
        var config = record.Config;
        var dir = Path.Combine(_containerDir, record.Id);
        EnsurePodInitAlive(sandbox);
        Directory.CreateDirectory(Path.GetDirectoryName(config.LogPath)!);
        var stdin = "";
        if (config.Stdin)
        {
            stdin = Path.Combine(dir, "stdin");
            if (!File.Exists(stdin) && Libc.mkfifo(stdin, 0x180) != 0)
            {
                throw new InvalidOperationException($"mkfifo {stdin}: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        var mounts = config.Mounts.Count > 0 ? await PrepareMountsAsync(sandbox, config.Mounts, ct).ConfigureAwait(false) : [];

        var spec = new StringBuilder();
        void Field(string value) => spec.Append(value).Append('\0');
        Field(config.LogPath);
        Field(_options.MaxLogFileBytes.ToString());
        Field(_options.MaxLogFiles.ToString());
        Field(record.WorkingDir);
        Field(stdin);
        Field(config.Tty ? "1" : "0");
        Field(sandbox.InitPid.ToString());
        Field(_syscalls is { } nr ? $"{nr.Setns} {nr.Setsid} {nr.ClockGettime} {nr.Mount} {nr.Umount2}" : "0 0 0 0 0");
        Field(string.Join('\n', CgroupTree.ProcsFiles(record.CgroupDirs)));
        Field(config.Argv.Count.ToString());
        foreach (var arg in config.Argv)
        {
            Field(arg);
        }

        Field(mounts.Count.ToString());
        foreach (var mount in mounts)
        {
            Field(mount.Source);
            Field(mount.Target);
            Field(mount.ReadOnly ? "1" : "0");
            Field(mount.Propagation);
        }

        foreach (var (key, value) in record.Env)
        {
            Field($"{key}={value}");
        }

        File.WriteAllText(Path.Combine(dir, "spec"), spec.ToString());
        // Not cancellable once launched: the container may already run, and a start takes milliseconds.
        ct.ThrowIfCancellationRequested();
        var (code, stdout, stderr) = await RunAsync(_perl, [_shimPath, dir, Path.Combine(_exitDir, record.Id)], CancellationToken.None).ConfigureAwait(false);
        if (code != 0 || stdout.Length == 0)
        {
            throw new InvalidOperationException($"container shim failed (exit {code}): {stderr.Trim()}");
        }

        return stdout;
    }

    private async Task<(int Pid, long StartTime)> StartPodInitAsync(string hostname, CancellationToken ct)
    {
        // With the propagation directory shared on the host, the pod keeps that subtree as a peer (the pod init makes
        // everything else private) so mountPropagation volumes can be bound through it.
        var shared = await EnsurePropagationRootAsync(ct).ConfigureAwait(false);
        var (code, stdout, stderr) = await RunAsync(_perl,
            [_podInitPath, hostname, _syscalls!.Setsid.ToString(), _syscalls.Mount.ToString(), _syscalls.Unshare.ToString(), shared ?? ""], ct)
            .ConfigureAwait(false);
        if (code != 0 || !stdout.StartsWith("ok ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"starting the pod's namespaces failed (exit {code}): {stderr.Trim()}");
        }

        var pid = int.Parse(stdout.AsSpan(3).Trim());
        return (pid, ProcStat.StartTime(pid) ?? throw new InvalidOperationException("the pod init exited at once"));
    }

    private bool ProbeNamespaces()
    {
        try
        {
            var (code, _, _) = RunAsync("unshare", ["-m", "-u", "-i", "-p", "-f", "--propagation", "private", "true"], CancellationToken.None).GetAwaiter().GetResult();
            return code == 0;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Runs a short helper with its stdio on pipes (never the agent's own), and an environment of PATH only.</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
    {
        var info = new SysProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = ProcessRuntimeDefaults.DefaultPath;
        using var process = SysProcess.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>The pod's namespaces are entered through its init's pid: a dead init (its pid maybe reused) means a dead sandbox.</summary>
    private static void EnsurePodInitAlive(SandboxRecord sandbox)
    {
        if (sandbox.InitPid > 0 && !ProcStat.IsAlive(sandbox.InitPid, sandbox.InitStartTime))
        {
            throw new InvalidOperationException($"sandbox {sandbox.Id} is not ready: its namespaces are gone (the pod init exited)");
        }
    }

    private void Raise(ContainerEventKind kind, ContainerEntry entry) =>
        ContainerChanged?.Invoke(this, new ContainerEvent(kind, entry.Record.Id, entry.Record.SandboxId, entry.Record.Config.Labels));

    private ContainerEntry GetContainer(string containerId) =>
        _containers.TryGetValue(containerId, out var entry) ? entry : throw new KeyNotFoundException($"container {containerId} not found");

    private PodSandbox ToPodSandbox(SandboxRecord record)
    {
        var ready = record.State == SandboxState.Ready && (record.InitPid == 0 || ProcStat.IsAlive(record.InitPid, record.InitStartTime));
        return new PodSandbox(record.Id, record.Config.Namespace, record.Config.Name, record.Config.Uid, record.Config.Attempt, record.Ip,
            ready ? SandboxState.Ready : SandboxState.NotReady, record.CreatedAt, record.Config.Labels);
    }

    private void SaveSandbox(SandboxRecord record) =>
        WriteAtomic(Path.Combine(_sandboxDir, record.Id, "sandbox.json"), JsonSerializer.Serialize(record, Json));

    private static void WriteAtomic(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private static string WriteScript(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            WriteAtomic(path, text);
        }

        return path;
    }

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") + ":" + ProcessRuntimeDefaults.DefaultPath).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
