using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Cri;
using Capstan.Bench.Cri;
using k8s;
using k8s.Models;

// Pod start latency on containerd: Capstan create→Running against the floor of the same containerd driven directly
// through the CRI (RunPodSandbox + CreateContainer + StartContainer), same image, same machine, same run.
var pods = 20;
var workDir = Path.Combine(Path.GetTempPath(), "cri-agent", "bench-" + Guid.NewGuid().ToString("N")[..8]);
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--pods":
            pods = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--work-dir":
            workDir = Path.GetFullPath(args[++i]);
            break;
    }
}

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("the CRI benchmark needs root (containerd, network namespaces)");
    return 2;
}

var repoRoot = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(repoRoot, "Capstan.slnx")))
{
    repoRoot = Path.GetDirectoryName(repoRoot.TrimEnd('/')) ?? throw new InvalidOperationException("Capstan.slnx not found");
}

const string Image = "capstan.io/busybox:1";
await using var containerd = await PrivateContainerd.StartAsync(repoRoot, workDir);
Console.WriteLine($"containerd at {containerd.Socket}; {pods} pods of {Image} per run");

// The floor: what the same containerd takes for a pod when driven directly.
using var cri = new CriRuntime(new CriRuntimeOptions(containerd.Socket));
await cri.ConnectAsync(CancellationToken.None);
async Task<double> FloorPodAsync(string name)
{
    var logDir = Path.Combine(workDir, "floor-logs", name);
    Directory.CreateDirectory(Path.Combine(logDir, "main"));
    var labels = new Dictionary<string, string> { ["bench"] = "floor" };
    var started = Stopwatch.GetTimestamp();
    var sandbox = await cri.RunPodSandboxAsync(new PodSandboxConfig("bench", name, Guid.NewGuid().ToString(), 0, name, logDir, labels), CancellationToken.None);
    var id = await cri.CreateContainerAsync(sandbox.Id, new ContainerConfig("main", 0, Image, ["sleep", "3600"], [], null, [], ContainerResources.None,
        Path.Combine(logDir, "main", "0.log"), false, false, false, labels) { Command = ["sleep", "3600"] }, CancellationToken.None);
    await cri.StartContainerAsync(id, CancellationToken.None);
    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}

async Task RemoveFloorPodsAsync()
{
    foreach (var sandbox in await cri.ListPodSandboxesAsync(CancellationToken.None))
    {
        await cri.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);
        await cri.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
    }
}

await FloorPodAsync("warm-up");
await RemoveFloorPodsAsync();
var floorSequential = new List<double>();
for (var i = 0; i < pods; i++)
{
    floorSequential.Add(await FloorPodAsync($"seq-{i}"));
}

await RemoveFloorPodsAsync();
var floorBurst = (await Task.WhenAll(Enumerable.Range(0, pods).Select(i => FloorPodAsync($"burst-{i}")))).ToList();
await RemoveFloorPodsAsync();

// Capstan: a server with the cri runtime over the same containerd.
static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

var dataDir = Path.Combine(workDir, "capstan");
var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var arg in new[]
{
    Path.Combine(AppContext.BaseDirectory, "capstan.dll"), "server", "--data-dir", dataDir, "--https-listen-port", FreePort().ToString(CultureInfo.InvariantCulture),
    "--agent-port", FreePort().ToString(CultureInfo.InvariantCulture), "--cluster-dns-port", FreePort().ToString(CultureInfo.InvariantCulture),
    "--node-name", "bench-cri", "--runtime", "cri", "--container-runtime-endpoint", "unix://" + containerd.Socket, "--cluster-cidr", PrivateContainerd.Cidr,
    "--service-cidr", "10.93.0.0/16", "--proxy-metrics-port", "0", "--disable-ingress", "--log-level", "Warning",
})
{
    info.ArgumentList.Add(arg);
}

using var server = Process.Start(info)!;
var serverLog = new StreamWriter(Path.Combine(workDir, "server.log")) { AutoFlush = true };
server.OutputDataReceived += (_, e) => { lock (serverLog) { serverLog.WriteLine(e.Data); } };
server.ErrorDataReceived += (_, e) => { lock (serverLog) { serverLog.WriteLine(e.Data); } };
server.BeginOutputReadLine();
server.BeginErrorReadLine();
try
{
    var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
    var deadline = DateTime.UtcNow.AddSeconds(90);
    Kubernetes? client = null;
    while (DateTime.UtcNow < deadline)
    {
        try
        {
            if (File.Exists(kubeconfig))
            {
                client ??= new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                var node = await client.CoreV1.ReadNodeAsync("bench-cri");
                if (node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or IOException)
        {
        }

        await Task.Delay(250);
    }

    if (client is null)
    {
        throw new InvalidOperationException("capstan server did not become ready; see " + Path.Combine(workDir, "server.log"));
    }

    var running = new ConcurrentDictionary<string, TaskCompletionSource>();
    using var stopWatch = new CancellationTokenSource();
    var watchTask = Task.Run(async () =>
    {
        try
        {
            await foreach (var (_, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", cancellationToken: stopWatch.Token))
            {
                if (pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null && running.TryGetValue(pod.Metadata.Name, out var done))
                {
                    done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    });
    await Task.Delay(500);

    async Task<double> CapstanPodAsync(string name)
    {
        var done = running.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var started = Stopwatch.GetTimestamp();
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeName = "bench-cri",
                TerminationGracePeriodSeconds = 0,
                Containers = [new V1Container { Name = "main", Image = Image, ImagePullPolicy = "Never", Command = ["sleep", "3600"] }],
            },
        }, "default");
        await done.Task.WaitAsync(TimeSpan.FromSeconds(120));
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    async Task DeleteCapstanPodsAsync()
    {
        await client.CoreV1.DeleteCollectionNamespacedPodAsync("default", gracePeriodSeconds: 0);
        var until = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < until && ((await client.CoreV1.ListNamespacedPodAsync("default")).Items.Count > 0 || (await cri.ListPodSandboxesAsync(CancellationToken.None)).Count > 0))
        {
            await Task.Delay(250);
        }
    }

    await CapstanPodAsync("warm-up");
    await DeleteCapstanPodsAsync();
    var capstanSequential = new List<double>();
    for (var i = 0; i < pods; i++)
    {
        capstanSequential.Add(await CapstanPodAsync($"seq-{i}"));
    }

    await DeleteCapstanPodsAsync();
    var capstanBurst = (await Task.WhenAll(Enumerable.Range(0, pods).Select(i => CapstanPodAsync($"burst-{i}")))).ToList();
    await DeleteCapstanPodsAsync();
    await stopWatch.CancelAsync();

    static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    Console.WriteLine();
    Console.WriteLine($"{"pod start (ms)",-28}{"floor (CRI direct)",20}{"Capstan create→Running",26}{"overhead",12}");
    foreach (var (label, floor, capstan) in new[] { ("one at a time", floorSequential, capstanSequential), ($"{pods} at once", floorBurst, capstanBurst) })
    {
        foreach (var p in new[] { 50.0, 99.0 })
        {
            var f = Percentile(floor, p);
            var c = Percentile(capstan, p);
            Console.WriteLine($"{label + " p" + p.ToString(CultureInfo.InvariantCulture),-28}{f,20:0}{c,26:0}{c - f,12:+0;-0}");
        }
    }

    var p99 = Math.Max(Percentile(capstanSequential, 99), Percentile(capstanBurst, 99));
    var overhead = Percentile(capstanSequential, 50) - Percentile(floorSequential, 50);
    Console.WriteLine();
    Console.WriteLine($"targets: p99 <= 1000 ms: {(p99 <= 1000 ? "met" : "NOT met")} ({p99:0} ms); overhead <= 150 ms per pod (one at a time, p50): {(overhead <= 150 ? "met" : "NOT met")} ({overhead:+0;-0} ms)");
    return 0;
}
finally
{
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    await RemoveFloorPodsAsync();
    serverLog.Dispose();
}
