using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>
/// A state directory with a runtime over it. Disposing opens a fresh runtime over the same directory and removes every
/// sandbox (SIGKILLing what runs), so no test leaves a process behind, even one that replaced its runtime.
/// </summary>
internal sealed class RuntimeHarness : IDisposable
{
    private static int s_cidr;
    private readonly List<ProcessRuntime> _opened = [];

    public RuntimeHarness(Func<ProcessRuntimeOptions, ProcessRuntimeOptions>? configure = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "capstan-rt-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        // Each harness its own range, so concurrently running test classes never share an address.
        var block = Interlocked.Increment(ref s_cidr) % 200 + 20;
        Options = new ProcessRuntimeOptions(Path.Combine(Root, "state")) { PodCidr = $"127.{block}.0.0/16" };
        if (configure is not null)
        {
            Options = configure(Options);
        }

        Runtime = Open();
    }

    public string Root { get; }

    public ProcessRuntimeOptions Options { get; }

    public ProcessRuntime Runtime { get; private set; }

    public ProcessRuntime Open()
    {
        var runtime = new ProcessRuntime(Options);
        _opened.Add(runtime);
        Runtime = runtime;
        return runtime;
    }

    public static PodSandboxConfig Pod(string root, string name = "pod", string? uid = null) =>
        new("default", name, uid ?? Guid.NewGuid().ToString(), 0, name, Path.Combine(root, "logs", name), new Dictionary<string, string> { ["app"] = name });

    public ContainerConfig Container(string script, string name = "c", IReadOnlyList<KeyValuePair<string, string>>? env = null, string? workingDir = null,
        ContainerResources? resources = null, IReadOnlyList<Mount>? mounts = null, bool stdin = false, bool stdinOnce = false) =>
        new(name, 0, "busybox", ["/bin/sh", "-c", script], env ?? [], workingDir, mounts ?? [], resources ?? ContainerResources.None,
            Path.Combine(Root, "logs", name + "-" + Guid.NewGuid().ToString("N")[..6], "0.log"), stdin, stdinOnce, false,
            new Dictionary<string, string> { ["container"] = name });

    /// <summary>A new sandbox with one started container running <paramref name="script"/>.</summary>
    public async Task<(PodSandbox Pod, string Id, ContainerConfig Config)> RunAsync(string script, string pod = "pod", Func<ContainerConfig, ContainerConfig>? change = null)
    {
        var sandbox = await Runtime.RunPodSandboxAsync(Pod(Root, pod), CancellationToken.None);
        var config = Container(script);
        if (change is not null)
        {
            config = change(config);
        }

        var id = await Runtime.CreateContainerAsync(sandbox.Id, config, CancellationToken.None);
        await Runtime.StartContainerAsync(id, CancellationToken.None);
        return (sandbox, id, config);
    }

    public async Task<ContainerStatus> WaitExitedAsync(string id, ProcessRuntime? runtime = null)
    {
        runtime ??= Runtime;
        for (var i = 0; i < 1500; i++)
        {
            var status = await runtime.ContainerStatusAsync(id, CancellationToken.None);
            if (status?.State == ContainerState.Exited)
            {
                return status;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"container {id} did not exit within 30 s");
    }

    /// <summary>The content of a CRI log, each line's prefix checked and stripped: "stdout F hello".</summary>
    public static async Task<List<string>> ReadLogAsync(string path)
    {
        var lines = new List<string>();
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            var space = line.IndexOf(' ');
            Assert.True(DateTimeOffset.TryParse(line[..space], out _), $"bad timestamp in '{line}'");
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] ", line);
            lines.Add(line[(space + 1)..]);
        }

        return lines;
    }

    public void Dispose()
    {
        foreach (var runtime in _opened)
        {
            runtime.Dispose();
        }

        using (var cleaner = new ProcessRuntime(Options))
        {
            foreach (var sandbox in cleaner.ListPodSandboxesAsync(CancellationToken.None).GetAwaiter().GetResult())
            {
                cleaner.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None).GetAwaiter().GetResult();
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        RemoveCgroupBases();
    }

    /// <summary>The runtime's "capstan" cgroups under this process' own: removed once empty, so the test leaves no trace.</summary>
    private static void RemoveCgroupBases()
    {
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            foreach (var controller in new[] { "memory", "cpu" })
            {
                if (parts.Length == 3 && parts[1].Split(',').Contains(controller))
                {
                    try
                    {
                        Directory.Delete($"/sys/fs/cgroup/{controller}{parts[2].TrimEnd('/')}/capstan");
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                    }
                }
            }
        }
    }
}
