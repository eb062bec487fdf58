using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Scheduling;

/// <summary>
/// The scheduler end to end through kubectl on simulated nodes: bin packing against spreading, taints, anti-affinity and
/// zone spread. Each test deletes its pods at the end, so the next starts from empty nodes.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SchedulingTests(FakeNodeCluster cluster) : ServerTest(cluster), IClassFixture<FakeNodeCluster>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private static string Pods(int count, string prefix, string cpu = "500m", string extraSpec = "", string labels = "app: test")
    {
        var manifests = Enumerable.Range(0, count).Select(i => $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {prefix}-{i}
              labels:
                {labels}
            spec:
              terminationGracePeriodSeconds: 0
            {extraSpec}
              containers:
              - name: c
                image: registry.k8s.io/pause:3.10
                imagePullPolicy: IfNotPresent
                resources:
                  requests:
                    cpu: {cpu}
                    memory: 100Mi
            """);
        return string.Join("\n---\n", manifests);
    }

    private async Task<string> ApplyAsync(string manifest)
    {
        var ns = await Server.CreateNamespaceAsync("sched");
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest))).EnsureSuccess();
        return ns;
    }

    /// <summary>pod name → node name once <paramref name="scheduled"/> pods are bound (empty string for pending ones).</summary>
    private async Task<Dictionary<string, string>> WaitForPlacementAsync(string ns, int scheduled)
    {
        var deadline = DateTime.UtcNow + Within;
        Dictionary<string, string> placement;
        do
        {
            var result = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName}{\"\\n\"}{end}")).EnsureSuccess();
            placement = result.Lines.Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]);
            if (placement.Values.Count(n => n.Length > 0) >= scheduled)
            {
                return placement;
            }

            await Task.Delay(300);
        }
        while (DateTime.UtcNow < deadline);

        return placement;
    }

    /// <summary>The namespace's placement once <paramref name="pod"/> is bound, or as it stands after <paramref name="bound"/>.</summary>
    private async Task<Dictionary<string, string>> WaitForBoundAsync(string ns, string pod, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        Dictionary<string, string> placement;
        do
        {
            await Task.Delay(500);
            placement = await WaitForPlacementAsync(ns, 0);
        }
        while ((!placement.TryGetValue(pod, out var node) || node.Length == 0) && DateTime.UtcNow < deadline);

        return placement;
    }

    /// <summary>The FailedScheduling events' messages, once one contains <paramref name="expected"/> (or the last seen).</summary>
    private async Task<string> FailedSchedulingAsync(string ns, string expected)
    {
        var deadline = DateTime.UtcNow + Within;
        string messages;
        do
        {
            messages = (await Kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}")).Stdout;
            if (messages.Contains(expected, StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        return messages;
    }

    private async Task CleanUpAsync(string ns) =>
        (await Kubectl.RunAsync("delete", "pods", "--all", "-n", ns, "--grace-period=0", "--force", "--wait=true")).EnsureSuccess();

    [Fact]
    public async Task MostAllocated_FillsOneNodeBeforeTheNext()
    {
        var ns = await ApplyAsync(Pods(6, "packed", "1", "  schedulerName: bin-packer"));
        try
        {
            var placement = await WaitForPlacementAsync(ns, 6);

            // 4 CPUs a node, 1 CPU a pod: four on one node, two on a second.
            Assert.Equal([2, 4], placement.Values.GroupBy(n => n).Select(g => g.Count()).Order());
        }
        finally
        {
            await CleanUpAsync(ns);
        }
    }

    [Fact]
    public async Task LeastAllocated_SpreadsOverEveryNode()
    {
        var ns = await ApplyAsync(Pods(FakeNodeCluster.Nodes, "spread"));
        try
        {
            var placement = await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);

            Assert.Equal(FakeNodeCluster.Nodes, placement.Values.Where(n => n.Length > 0).Distinct().Count());
        }
        finally
        {
            await CleanUpAsync(ns);
        }
    }

    [Fact]
    public async Task Taint_OnlyToleratingPodsLand()
    {
        (await Kubectl.RunAsync("taint", "node", "fake-node-0", "dedicated=batch:NoSchedule")).EnsureSuccess();
        var pinned = "  nodeSelector:\n    kubernetes.io/hostname: fake-node-0";
        var tolerating = pinned + "\n  tolerations:\n  - key: dedicated\n    operator: Equal\n    value: batch\n    effect: NoSchedule";
        var ns = await ApplyAsync(Pods(1, "intolerant", extraSpec: pinned) + "\n---\n" + Pods(1, "tolerant", extraSpec: tolerating));
        try
        {
            var placement = await WaitForPlacementAsync(ns, 1);
            await Task.Delay(1000);
            placement = await WaitForPlacementAsync(ns, 1);

            Assert.Equal("fake-node-0", placement["tolerant-0"]);
            Assert.Equal("", placement["intolerant-0"]);
            Assert.Contains("untolerated taint {dedicated: batch}", await FailedSchedulingAsync(ns, "untolerated taint {dedicated: batch}"));
        }
        finally
        {
            await CleanUpAsync(ns);
            (await Kubectl.RunAsync("taint", "node", "fake-node-0", "dedicated=batch:NoSchedule-")).EnsureSuccess();
        }
    }

    [Fact]
    public async Task RequiredAntiAffinity_KeepsReplicasApart_AndLeavesTheExtraPending()
    {
        var anti = """
              affinity:
                podAntiAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                  - labelSelector:
                      matchLabels:
                        app: lonely
                    topologyKey: kubernetes.io/hostname
            """;
        var ns = await ApplyAsync(Pods(FakeNodeCluster.Nodes + 1, "lonely", "100m", anti, "app: lonely"));
        try
        {
            var placement = await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);
            await Task.Delay(1000);
            placement = await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);

            var nodes = placement.Values.Where(n => n.Length > 0).ToList();
            Assert.Equal(FakeNodeCluster.Nodes, nodes.Count);
            Assert.Equal(nodes.Count, nodes.Distinct().Count());
            Assert.Contains("node(s) didn't match pod anti-affinity rules", await FailedSchedulingAsync(ns, "node(s) didn't match pod anti-affinity rules"));
        }
        finally
        {
            await CleanUpAsync(ns);
        }
    }

    [Fact]
    public async Task TopologySpread_BalancesZones()
    {
        var spread = """
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: topology.kubernetes.io/zone
                whenUnsatisfiable: DoNotSchedule
                labelSelector:
                  matchLabels:
                    app: zonal
            """;

        // bin-packer would put them all on one node were it not for the constraint.
        var ns = await ApplyAsync(Pods(6, "zonal", "100m", spread + "\n  schedulerName: bin-packer", "app: zonal"));
        try
        {
            var placement = await WaitForPlacementAsync(ns, 6);
            var zones = (await Kubectl.RunAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.topology\\.kubernetes\\.io/zone}{\"\\n\"}{end}"))
                .EnsureSuccess().Lines.Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]);

            var perZone = placement.Values.GroupBy(n => zones[n]).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(new Dictionary<string, int> { ["zone-0"] = 2, ["zone-1"] = 2, ["zone-2"] = 2 }, perZone);
        }
        finally
        {
            await CleanUpAsync(ns);
        }
    }

    [Fact]
    public async Task HighPriorityPod_PreemptsALowPriorityOne()
    {
        // 3.5 CPUs on each of the six 4-CPU nodes at priority 0; a 2-CPU pod at priority 1000 fits only by evicting one.
        // As in Kubernetes, a pod gets its priority from a PriorityClass (the Priority admission refuses a bare spec.priority).
        var className = "urgent-" + Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("create", "priorityclass", className, "--value=1000")).EnsureSuccess();
        var ns = await ApplyAsync(Pods(FakeNodeCluster.Nodes, "filler", "3500m", "", "app: filler"));
        try
        {
            await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pods(1, "urgent", "2", $"  priorityClassName: {className}", "app: urgent")))).EnsureSuccess();

            var placement = await WaitForBoundAsync(ns, "urgent-0", Within);

            Assert.NotEqual("", placement["urgent-0"]);
            Assert.Equal(FakeNodeCluster.Nodes - 1, placement.Keys.Count(k => k.StartsWith("filler-", StringComparison.Ordinal)));

            // kube-scheduler's event on the victim names the preemptor's uid and the node.
            var uid = (await Kubectl.RunAsync("get", "pod", "urgent-0", "-n", ns, "-o", "jsonpath={.metadata.uid}")).EnsureSuccess().Stdout.Trim();
            var victim = Enumerable.Range(0, FakeNodeCluster.Nodes).Select(i => $"filler-{i}").Single(n => !placement.ContainsKey(n));
            var expected = $"{victim}=Preempted by pod {uid} on node {placement["urgent-0"]}";
            var deadline = DateTime.UtcNow + Within;
            string events;
            while (true)
            {
                events = (await Kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "reason=Preempted", "-o", "jsonpath={range .items[*]}{.involvedObject.name}={.message}{\"\\n\"}{end}")).EnsureSuccess().Stdout;
                if (events.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(300);
            }

            Assert.Contains(expected, events, StringComparison.Ordinal);
        }
        finally
        {
            await CleanUpAsync(ns);
            await Kubectl.RunAsync("delete", "priorityclass", className);
        }
    }

    [Fact]
    public async Task Preemption_SparesPodsADisruptionBudgetProtects()
    {
        // Six 3.5-CPU fillers at priority 0, one per node; five are guarded by a budget that allows no disruption. The
        // 2-CPU urgent pod could evict any filler; kube-scheduler (and Capstan) picks the one no budget protects.
        var className = "urgent-" + Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("create", "priorityclass", className, "--value=1000")).EnsureSuccess();
        var ns = await Server.CreateNamespaceAsync("pdb");
        try
        {
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pods(FakeNodeCluster.Nodes - 1, "guarded", "3500m", "", "app: guarded")))).EnsureSuccess();
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pods(1, "free", "3500m", "", "app: free")))).EnsureSuccess();
            await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);
            (await Kubectl.RunAsync("create", "pdb", "guarded", "-n", ns, "--selector=app=guarded", $"--min-available={FakeNodeCluster.Nodes - 1}")).EnsureSuccess();
            var deadline = DateTime.UtcNow + Within;
            while ((await Kubectl.RunAsync("get", "pdb", "guarded", "-n", ns, "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}")).Stdout.Trim() != $"{FakeNodeCluster.Nodes - 1}/0"
                && DateTime.UtcNow < deadline)
            {
                await Task.Delay(300);
            }

            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pods(1, "urgent", "2", $"  priorityClassName: {className}", "app: urgent")))).EnsureSuccess();
            var placement = await WaitForBoundAsync(ns, "urgent-0", deadline + Within - DateTime.UtcNow);

            Assert.NotEqual("", placement["urgent-0"]);
            Assert.False(placement.ContainsKey("free-0"));
            Assert.Equal(FakeNodeCluster.Nodes - 1, placement.Keys.Count(k => k.StartsWith("guarded-", StringComparison.Ordinal)));
        }
        finally
        {
            await CleanUpAsync(ns);
            await Kubectl.RunAsync("delete", "priorityclass", className);
        }
    }

    [Fact]
    public async Task Preemption_TheVictimsReplacement_DoesNotTakeTheRoomMadeForThePreemptor()
    {
        // Six 3.5-CPU fillers of a Deployment, one per 4-CPU node. The urgent pod evicts one; the ReplicaSet at once makes a
        // replacement, which must not take the freed room: the urgent pod is nominated there, and the replacement stays
        // Pending (as with kube-scheduler), instead of the urgent pod waiting forever.
        var className = "urgent-" + Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("create", "priorityclass", className, "--value=1000")).EnsureSuccess();
        var ns = await Server.CreateNamespaceAsync("nominate");
        try
        {
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile($$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: filler
                spec:
                  replicas: {{FakeNodeCluster.Nodes}}
                  selector:
                    matchLabels: {app: filler}
                  template:
                    metadata:
                      labels: {app: filler}
                    spec:
                      terminationGracePeriodSeconds: 0
                      containers:
                      - name: c
                        image: registry.k8s.io/pause:3.10
                        resources:
                          requests: {cpu: 3500m, memory: 100Mi}
                """))).EnsureSuccess();
            await WaitForPlacementAsync(ns, FakeNodeCluster.Nodes);
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pods(1, "urgent", "2", $"  priorityClassName: {className}", "app: urgent")))).EnsureSuccess();

            var placement = await WaitForBoundAsync(ns, "urgent-0", Within);

            Assert.NotEqual("", placement["urgent-0"]);
            var fillers = placement.Where(p => p.Key.StartsWith("filler-", StringComparison.Ordinal)).ToList();
            Assert.Equal(FakeNodeCluster.Nodes, fillers.Count);
            Assert.Equal(FakeNodeCluster.Nodes - 1, fillers.Count(p => p.Value.Length > 0));
        }
        finally
        {
            await Kubectl.RunAsync("delete", "deployment", "filler", "-n", ns, "--wait=true");
            await CleanUpAsync(ns);
            await Kubectl.RunAsync("delete", "priorityclass", className);
        }
    }

    [Fact]
    public async Task RuntimeClassOverhead_CountsAgainstTheNode()
    {
        // A 3.5-CPU pod fits a 4-CPU node; with a RuntimeClass whose pods cost 1 CPU of overhead it fits none, and the
        // scheduler says so. kubectl shows the class and the overhead admission copied into the pod.
        var className = "vm-" + Guid.NewGuid().ToString("N")[..6];
        (await Kubectl.RunAsync("apply", "-f", Server.ManifestFile($$"""
            apiVersion: node.k8s.io/v1
            kind: RuntimeClass
            metadata:
              name: {{className}}
            handler: kata
            overhead:
              podFixed: {cpu: "1", memory: 64Mi}
            """))).EnsureSuccess();
        var ns = await ApplyAsync(Pods(1, "plain", "3500m") + "\n---\n" + Pods(1, "vm", "3500m", $"  runtimeClassName: {className}"));
        try
        {
            var placement = await WaitForPlacementAsync(ns, 1);
            Assert.NotEqual("", placement["plain-0"]);
            Assert.Contains("Insufficient cpu", await FailedSchedulingAsync(ns, "Insufficient cpu"), StringComparison.Ordinal);
            Assert.Equal("", (await WaitForPlacementAsync(ns, 1))["vm-0"]);
            Assert.Equal("1", (await Kubectl.RunAsync("get", "pod", "vm-0", "-n", ns, "-o", "jsonpath={.spec.overhead.cpu}")).EnsureSuccess().Stdout.Trim());
            Assert.Contains("kata", (await Kubectl.RunAsync("get", "runtimeclass", className)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await CleanUpAsync(ns);
            await Kubectl.RunAsync("delete", "runtimeclass", className);
        }
    }

    [Fact]
    public async Task CsiVolumeLimit_KeepsASecondVolumeOffAFullNode()
    {
        // fake-node-0's CSINode allows one volume of the driver: the pod with the second claim stays pending there.
        var driver = "limit-" + Guid.NewGuid().ToString("N")[..6] + ".csi.example.com";
        var ns = await Server.CreateNamespaceAsync("csi");
        string Claim(int i) => $$"""
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: {{ns}}-pv{{i}}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              csi: {driver: {{driver}}, volumeHandle: vol-{{i}}}
              claimRef: {namespace: {{ns}}, name: data{{i}}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data{{i}}
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: ""
              volumeName: {{ns}}-pv{{i}}
              resources:
                requests: {storage: 1Gi}
            """;
        var csiNode = $$"""
            apiVersion: storage.k8s.io/v1
            kind: CSINode
            metadata:
              name: fake-node-0
            spec:
              drivers:
              - name: {{driver}}
                nodeID: fake-node-0
                allocatable: {count: 1}
            """;
        string Pod(int i) => Pods(1, $"user{i}", "100m", $"  nodeSelector:\n    kubernetes.io/hostname: fake-node-0\n  volumes:\n  - name: d\n    persistentVolumeClaim: {{claimName: data{i}}}");
        try
        {
            (await Kubectl.RunAsync("apply", "-f", Server.ManifestFile(csiNode))).EnsureSuccess();
            Assert.Contains("fake-node-0", (await Kubectl.RunAsync("get", "csinodes")).EnsureSuccess().Stdout);
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Claim(1) + "\n---\n" + Claim(2)))).EnsureSuccess();
            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod(1)))).EnsureSuccess();
            Assert.Equal("fake-node-0", (await WaitForPlacementAsync(ns, 1))["user1-0"]);

            (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Pod(2)))).EnsureSuccess();
            Assert.Contains("node(s) exceed max volume count", await FailedSchedulingAsync(ns, "node(s) exceed max volume count"));
            Assert.Equal("", (await WaitForPlacementAsync(ns, 1))["user2-0"]);
        }
        finally
        {
            await CleanUpAsync(ns);
            await Kubectl.RunAsync("delete", "csinode", "fake-node-0", "--ignore-not-found");
            // Bound volumes keep their protection finalizer until their claims are gone: neither is waited for.
            await Kubectl.RunAsync("delete", "pvc", "--all", "-n", ns, "--wait=false");
            await Kubectl.RunAsync("delete", "pv", $"{ns}-pv1", $"{ns}-pv2", "--ignore-not-found", "--wait=false");
        }
    }

    [Fact]
    public async Task SimulatedNodeMarkedUnknown_PostsReadyAgain()
    {
        // What the node lifecycle controller does to a node whose first heartbeat came late: the pool, like a kubelet,
        // posts its status again instead of leaving it NotReady (and tainted unreachable) for good.
        var node = $"fake-node-{FakeNodeCluster.Nodes - 1}";
        var unknown = """{"status":{"conditions":[{"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown","message":"Kubelet stopped posting node status."}]}}""";
        (await Kubectl.RunAsync("patch", "node", node, "--subresource=status", "--type=merge", "-p", unknown)).EnsureSuccess();

        var deadline = DateTime.UtcNow + Within;
        string state;
        do
        {
            await Task.Delay(300);
            state = (await Kubectl.RunAsync("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}/{.spec.taints}")).EnsureSuccess().Stdout.Trim();
        }
        while (state != "True/" && DateTime.UtcNow < deadline);

        Assert.Equal("True/", state);
    }
}
