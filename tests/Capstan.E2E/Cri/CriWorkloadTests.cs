using System.Net;
using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Cri;

/// <summary>kubectl against `capstan server --runtime cri`: real containers on containerd.</summary>
[Trait("Category", "Slow")]
[Trait("Category", "Cri")]
public sealed class CriWorkloadTests(CriCluster cluster) : IClassFixture<CriCluster>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private Kubectl Kubectl => cluster.Kubectl;

    private static string Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static bool Ready(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => Str(c?["type"]) == "Ready" && Str(c?["status"]) == "True") == true;

    private static JsonNode? Container(JsonObject pod) => pod["status"]?["containerStatuses"]?[0];

    /// <summary>A pod of the busybox image running a shell script (imported, so imagePullPolicy Never).</summary>
    private static string PodManifest(string name, string script, string extraContainer = "", string extraSpec = "") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
          terminationGracePeriodSeconds: 1
        {extraSpec}
          containers:
          - name: main
            image: {CriCluster.BusyboxImage}
            imagePullPolicy: Never
            command: ["sh", "-c", {System.Text.Json.JsonSerializer.Serialize(script)}]
        {extraContainer}
        """;

    private async Task<JsonObject> RunPodAsync(string ns, string manifest, string name)
    {
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();
        return await cluster.WaitPodAsync(ns, name, Ready, "Ready");
    }

    [CriFact]
    public async Task Deployment_BusyboxHttpd_ReadyWithPodIpsFromClusterCidr()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels: {"{"}app: web{"}"}
              template:
                metadata:
                  labels: {"{"}app: web{"}"}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: httpd
                    image: {CriCluster.BusyboxImage}
                    imagePullPolicy: IfNotPresent
                    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
                    ports: [{"{"}containerPort: 8080{"}"}]
                    readinessProbe:
                      httpGet: {"{"}path: /, port: 8080{"}"}
                      periodSeconds: 1
            """;
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();
        (await Kubectl.RunAsync(["rollout", "status", "-n", ns, "deployment/web", "--timeout=90s"], null, TimeSpan.FromSeconds(100))).EnsureSuccess();

        var pods = JsonNode.Parse((await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=web", "-o", "json")).EnsureSuccess().Stdout)!["items"]!.AsArray();
        Assert.Equal(2, pods.Count);
        var cidr = IPNetwork.Parse(CriCluster.ClusterCidr);
        foreach (var pod in pods)
        {
            var ip = Str(pod!["status"]!["podIP"]);
            Assert.True(cidr.Contains(IPAddress.Parse(ip)), $"pod IP {ip} outside {CriCluster.ClusterCidr}");
            Assert.Equal(Str(pod["metadata"]!["name"]), (await Http.GetStringAsync($"http://{ip}:8080/")).Trim());
            Assert.StartsWith("containerd://", Str(pod["status"]!["containerStatuses"]![0]!["containerID"]), StringComparison.Ordinal);
            Assert.StartsWith("sha256:", Str(pod["status"]!["containerStatuses"]![0]!["imageID"]), StringComparison.Ordinal);
        }
    }

    [CriFact]
    public async Task MemoryLimit_Exceeded_OOMKilledAndRestarted()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = PodManifest("hog", "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done").Replace(
            "    command:", "    resources: {limits: {memory: 32Mi}}\n    command:", StringComparison.Ordinal);
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();

        var pod = await cluster.WaitPodAsync(ns, "hog", p => (Container(p)?["restartCount"]?.GetValue<int>() ?? 0) >= 1
            && Container(p)?["lastState"]?["terminated"] is not null, "restarted after the OOM kill");
        Assert.Equal("OOMKilled", Str(Container(pod)!["lastState"]!["terminated"]!["reason"]));
        Assert.Equal(137, Container(pod)!["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    [CriFact]
    public async Task ExecLogsPortForward_Work()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await RunPodAsync(ns, PodManifest("tools", "mkdir -p /www; echo forwarded > /www/index.html; httpd -p 8080 -h /www; i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.5; done"), "tools");

        var exec = await Kubectl.RunAsync("exec", "-n", ns, "tools", "--", "cat", "/www/index.html");
        Assert.Equal("forwarded", exec.EnsureSuccess().Stdout.Trim());

        await using (var follow = Kubectl.StartBackground("logs", "-f", "-n", ns, "tools"))
        {
            Assert.True(await follow.WaitForAsync(o => o.Contains("tick 3", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), follow.Stderr);
        }

        var localPort = CapstanServerFixture.FreePort();
        await using var forward = Kubectl.StartBackground("port-forward", "-n", ns, "pod/tools", $"{localPort}:8080");
        Assert.True(await forward.WaitForAsync(o => o.Contains("Forwarding from", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), forward.Stderr);
        Assert.Equal("forwarded", (await Http.GetStringAsync($"http://127.0.0.1:{localPort}/")).Trim());
    }

    [CriFact]
    public async Task ExecWithPipedStdinAndCp_ReachTheContainer()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await RunPodAsync(ns, PodManifest("stdin", "sleep 3600"), "stdin");

        // The end of the piped input must reach `cat`, or kubectl waits forever.
        var echoed = await Kubectl.RunWithInputAsync("piped line one\npiped line two\n", "exec", "-i", "-n", ns, "stdin", "--", "cat");
        Assert.Equal("piped line one\npiped line two\n", echoed.EnsureSuccess().Stdout);

        // kubectl cp pipes a tar through exec stdin into `tar xf -`.
        var local = Path.Combine(cluster.Directory, "cp-source.txt");
        var content = string.Concat(Enumerable.Range(0, 5000).Select(i => $"row {i}\n"));
        await File.WriteAllTextAsync(local, content);
        (await Kubectl.RunAsync("cp", local, $"{ns}/stdin:/tmp/x")).EnsureSuccess();
        Assert.Equal(content, (await Kubectl.RunAsync("exec", "-n", ns, "stdin", "--", "cat", "/tmp/x")).EnsureSuccess().Stdout);
    }

    [CriFact]
    public async Task ConfigMapVolumeAndPvc_AppearInsideContainer()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await Kubectl.RunAsync("create", "configmap", "settings", "-n", ns, "--from-literal=greeting=hello-cri")).EnsureSuccess();
        var claim = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 16Mi}}
            """;
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(claim))).EnsureSuccess();
        var volumes = """
              volumeMounts:
              - {name: settings, mountPath: /config}
              - {name: data, mountPath: /data}
            volumes:
            - name: settings
              configMap: {name: settings}
            - name: data
              persistentVolumeClaim: {claimName: data}
            """;
        var manifest = PodManifest("vols", "echo persisted > /data/file; sleep 3600") + string.Join('\n', volumes.Split('\n').Select(l => "  " + l));
        await RunPodAsync(ns, manifest, "vols");

        Assert.Equal("hello-cri", (await Kubectl.RunAsync("exec", "-n", ns, "vols", "--", "cat", "/config/greeting")).EnsureSuccess().Stdout.Trim());
        await WorkloadCluster.WaitAsync(async () => (await Kubectl.RunAsync("exec", "-n", ns, "vols", "--", "cat", "/data/file")).Stdout.Trim() == "persisted",
            TimeSpan.FromSeconds(30), "the PVC file");
    }

    [CriFact]
    public async Task ReadOnlyRootFilesystem_CannotWriteRoot()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = PodManifest("ro", "sleep 3600").Replace(
            "    command:", "    securityContext: {readOnlyRootFilesystem: true}\n    command:", StringComparison.Ordinal);
        await RunPodAsync(ns, manifest, "ro");

        var write = await Kubectl.RunAsync("exec", "-n", ns, "ro", "--", "touch", "/written");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Output, StringComparison.Ordinal);
    }

    [CriFact]
    public async Task NeverPolicy_AbsentImage_ErrImageNeverPull()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var manifest = PodManifest("absent", "true").Replace(CriCluster.BusyboxImage, "capstan.io/not-imported:1", StringComparison.Ordinal);
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();

        var pod = await cluster.WaitPodAsync(ns, "absent", p => Str(Container(p)?["state"]?["waiting"]?["reason"]) == "ErrImageNeverPull", "ErrImageNeverPull");
        Assert.Equal("Container image \"capstan.io/not-imported:1\" is not present with pull policy of Never", Str(Container(pod)!["state"]!["waiting"]!["message"]));
    }

    [CriFact]
    public async Task RuntimeClass_HandlerReachesContainerd()
    {
        // The private containerd configures one runtime, "runc": a class naming it runs; one naming a handler containerd
        // does not know leaves the pod without a sandbox and a FailedCreatePodSandBox event carrying containerd's refusal.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("apply", "-f", cluster.ManifestFile($"""
            apiVersion: node.k8s.io/v1
            kind: RuntimeClass
            metadata:
              name: runc-{suffix}
            handler: runc
            ---
            apiVersion: node.k8s.io/v1
            kind: RuntimeClass
            metadata:
              name: vm-{suffix}
            handler: no-such-handler
            """))).EnsureSuccess();
        var ns = await cluster.CreateNamespaceAsync();
        try
        {
            await RunPodAsync(ns, PodManifest("classic", "sleep 3600", extraSpec: $"  runtimeClassName: runc-{suffix}"), "classic");

            (await Kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(PodManifest("vm", "sleep 3600", extraSpec: $"  runtimeClassName: vm-{suffix}")))).EnsureSuccess();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            string messages;
            do
            {
                await Task.Delay(500);
                messages = (await Kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=vm,reason=FailedCreatePodSandBox", "-o", "jsonpath={.items[*].message}")).Stdout;
            }
            while (!messages.Contains("no-such-handler", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

            Assert.Contains("Failed to create pod sandbox", messages, StringComparison.Ordinal);
            Assert.Contains("no-such-handler", messages, StringComparison.Ordinal);
        }
        finally
        {
            await Kubectl.RunAsync("delete", "runtimeclass", $"runc-{suffix}", $"vm-{suffix}");
        }
    }

    [CriFact]
    public async Task ContainerdAndServerRestart_PodsKeepRunning()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var before = await RunPodAsync(ns, PodManifest("steady", "sleep 3600"), "steady");
        var id = Str(Container(before)!["containerID"]);

        await cluster.KillContainerdAsync();
        await cluster.StartContainerdAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var afterContainerd = await cluster.WaitPodAsync(ns, "steady", Ready, "Ready after the containerd restart");
        Assert.Equal(id, Str(Container(afterContainerd)!["containerID"]));
        Assert.Equal(0, Container(afterContainerd)!["restartCount"]!.GetValue<int>());

        await cluster.StopServerAsync(kill: true);
        await cluster.StartServerAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var afterServer = await cluster.WaitPodAsync(ns, "steady", Ready, "Ready after the server restart");
        Assert.Equal(id, Str(Container(afterServer)!["containerID"]));
        Assert.Equal(0, Container(afterServer)!["restartCount"]!.GetValue<int>());
        Assert.Contains("3600", (await Kubectl.RunAsync("exec", "-n", ns, "steady", "--", "cat", "/proc/1/cmdline")).EnsureSuccess().Stdout, StringComparison.Ordinal);
    }
}
