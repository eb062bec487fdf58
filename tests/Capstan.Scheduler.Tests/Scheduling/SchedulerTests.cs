using System.Net;
using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Queue;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Scheduling;

public sealed class SchedulerTests : IDisposable
{
    private readonly RecordingApiHandler _api = new();
    private readonly Kubernetes _client;
    private readonly ManualTimeProvider _time = new();
    private readonly Scheduler _scheduler;
    private readonly CancellationTokenSource _stop = new();

    public SchedulerTests()
    {
        _client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://api.invalid" }, _api);
        _scheduler = new Scheduler(_client, new SchedulerOptions { TimeProvider = _time, Random = new Random(1), RecordScheduledEvents = false }, NullLoggerFactory.Instance);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _scheduler.Dispose();
        _client.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public async Task Burst_AssumedPodsCounted_NodeNeverOvercommitted()
    {
        _scheduler.OnNodeAdd(Json(Node("n", cpu: "2")));
        var pods = Enumerable.Range(0, 4).Select(i => Pod($"p{i}", Container(cpu: "600m"))).ToList();
        foreach (var pod in pods)
        {
            _scheduler.OnPodAdd(Json(pod));
        }

        var loop = _scheduler.RunAsync(_stop.Token);
        var recorder = _scheduler.RunRecorderAsync(_stop.Token);

        Assert.True(await EventuallyAsync(() => _api.Bindings.Count == 3 && _scheduler.Queue.StateOf("default/p3") == QueuedPodState.Unschedulable));
        Assert.True(await EventuallyAsync(() => _api.Requests.Any(r => r.Path.EndsWith("/events", StringComparison.Ordinal) && r.Body.Contains("FailedScheduling", StringComparison.Ordinal))));
        var failure = _api.Requests.First(r => r.Path.EndsWith("/events", StringComparison.Ordinal)).Body;
        Assert.Contains("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.", failure, StringComparison.Ordinal);
        Assert.True(await EventuallyAsync(() => _api.Requests.Any(r => r.Method == "PATCH" && r.Path.EndsWith("/pods/p3/status", StringComparison.Ordinal))));
        Assert.Equal(1800, _scheduler.Cache.GetNode("n")!.Requested.MilliCpu);

        // The informer shows a bound pod deleted: its room lets the waiting pod in (after its back-off).
        var bound = pods.First(p => _api.Bindings.Any(b => b.Contains($"\"name\":\"{p.Metadata.Name}\"", StringComparison.Ordinal)));
        bound.Spec.NodeName = "n";
        _scheduler.OnPodUpdate(Json(bound), Json(bound));
        _scheduler.OnPodDelete(Json(bound));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(await EventuallyAsync(() => _api.Bindings.Count == 4));
        _stop.Cancel();
        await loop;
        await recorder;
    }

    [Fact]
    public void BoundPod_StatusOnlyUpdate_KeepsItsPodInfo_LabelChangeReplacesIt()
    {
        _scheduler.OnNodeAdd(Json(Node("n", cpu: "2")));
        var pending = Pod("p", Container(cpu: "500m"));
        var bound = Pod("p", Container(cpu: "500m"));
        bound.Metadata.Uid = pending.Metadata.Uid;
        bound.Spec.NodeName = "n";
        _scheduler.OnPodAdd(Json(pending));
        _scheduler.OnPodUpdate(Json(pending), Json(bound));
        PodInfo Counted() => _scheduler.Cache.GetNode("n")!.Pods.Single(p => p.Uid == bound.Metadata.Uid);
        var first = Counted();

        var running = Json(bound);
        running["status"] = new System.Text.Json.Nodes.JsonObject { ["phase"] = "Running", ["podIP"] = "10.0.0.9" };
        _scheduler.OnPodUpdate(Json(bound), running);
        Assert.Same(first, Counted());

        bound.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        _scheduler.OnPodUpdate(running, Json(bound));
        Assert.NotSame(first, Counted());
        Assert.Equal("web", Counted().Labels["tier"]);
        Assert.Equal(500, _scheduler.Cache.GetNode("n")!.Requested.MilliCpu);

        // Finishing is not a status-only change: the pod's room is free again.
        var done = Json(bound);
        done["status"] = new System.Text.Json.Nodes.JsonObject { ["phase"] = "Succeeded" };
        _scheduler.OnPodUpdate(Json(bound), done);
        Assert.Equal(0, _scheduler.Cache.GetNode("n")!.Requested.MilliCpu);
    }

    [Fact]
    public async Task BindFails_AssumptionForgotten_PodBacksOff()
    {
        _api.BindingStatus = HttpStatusCode.InternalServerError;
        _scheduler.OnNodeAdd(Json(Node("n", cpu: "2")));
        _scheduler.OnPodAdd(Json(Pod("p", Container(cpu: "1"))));

        var loop = _scheduler.RunAsync(_stop.Token);

        Assert.True(await EventuallyAsync(() => _scheduler.Queue.StateOf("default/p") == QueuedPodState.Backoff));
        Assert.Equal(0, _scheduler.Cache.GetNode("n")!.Requested.MilliCpu);

        _api.BindingStatus = HttpStatusCode.Created;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await EventuallyAsync(() => _api.Bindings.Count == 2 && _scheduler.Queue.StateOf("default/p") is null));
        _stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task OtherSchedulerOrBoundPods_NotScheduled()
    {
        _scheduler.OnNodeAdd(Json(Node("n")));
        var foreign = Pod("foreign");
        foreign.Spec.SchedulerName = "my-scheduler";
        var bound = Pod("bound");
        bound.Spec.NodeName = "n";
        _scheduler.OnPodAdd(Json(foreign));
        _scheduler.OnPodAdd(Json(bound));

        Assert.Null(_scheduler.Queue.StateOf("default/foreign"));
        Assert.Null(_scheduler.Queue.StateOf("default/bound"));
        Assert.Equal(1, _scheduler.Cache.GetNode("n")!.PodCount);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task SchedulingGates_PodWaitsWithConditionUntilGatesRemoved()
    {
        _scheduler.OnNodeAdd(Json(Node("n")));
        var pod = Pod("gated");
        pod.Spec.SchedulingGates = [new V1PodSchedulingGate { Name = "example.com/wait" }];
        var loop = _scheduler.RunAsync(_stop.Token);
        var recorder = _scheduler.RunRecorderAsync(_stop.Token);

        _scheduler.OnPodAdd(Json(pod));

        Assert.Null(_scheduler.Queue.StateOf("default/gated"));
        Assert.True(await EventuallyAsync(() => _api.Requests.Any(r => r.Method == "PATCH" && r.Body.Contains("SchedulingGated", StringComparison.Ordinal))));
        Assert.DoesNotContain(_api.Requests, r => r.Path.EndsWith("/events", StringComparison.Ordinal));

        var old = Json(pod);
        pod.Spec.SchedulingGates = null;
        _scheduler.OnPodUpdate(old, Json(pod));

        Assert.True(await EventuallyAsync(() => _api.Bindings.Count == 1));
        _stop.Cancel();
        await loop;
        await recorder;
    }

    [Fact]
    public async Task Preemption_MarksTheVictimDisrupted_DeletesIt_AndRecordsPreemptedOnIt()
    {
        var urgent = AddPreemption();

        var loop = _scheduler.RunAsync(_stop.Token);
        var recorder = _scheduler.RunRecorderAsync(_stop.Token);

        var seen = await EventuallyAsync(() => _api.Requests.Any(r => r.Path.EndsWith("/events", StringComparison.Ordinal) && r.Body.Contains("\"Preempted\"", StringComparison.Ordinal)));
        Assert.True(seen, string.Join("\n", _api.Requests.Select(r => $"{r.Method} {r.Path} {r.Body}")));
        var requests = _api.Requests.ToList();
        var marked = requests.FindIndex(r => r.Method == "PATCH" && r.Path.EndsWith("/pods/low/status", StringComparison.Ordinal));
        var deleted = requests.FindIndex(r => r.Method == "DELETE" && r.Path.EndsWith("/pods/low", StringComparison.Ordinal));
        Assert.InRange(marked, 0, deleted - 1);
        var condition = System.Text.Json.Nodes.JsonNode.Parse(requests[marked].Body)!["status"]!["conditions"]![0]!;
        Assert.Equal("DisruptionTarget", (string?)condition["type"]);
        Assert.Equal("True", (string?)condition["status"]);
        Assert.Equal("PreemptionByScheduler", (string?)condition["reason"]);
        Assert.Equal("default-scheduler: preempting to accommodate a higher priority pod", (string?)condition["message"]);

        var ev = System.Text.Json.Nodes.JsonNode.Parse(requests.Single(r => r.Path.EndsWith("/events", StringComparison.Ordinal) && r.Body.Contains("\"Preempted\"", StringComparison.Ordinal)).Body)!;
        Assert.Equal("Normal", (string?)ev["type"]);
        Assert.Equal("Preempting", (string?)ev["action"]);
        Assert.Equal($"Preempted by pod {urgent.Metadata.Uid} on node n", (string?)ev["message"]);
        Assert.Equal("low", (string?)ev["involvedObject"]!["name"]);
        Assert.Equal(urgent.Metadata.Uid, (string?)ev["related"]!["uid"]);
        _stop.Cancel();
        await loop;
        await recorder;
    }

    [Fact]
    public async Task Preemption_ClearsTheNominationOfALowerPriorityPodToThatNode()
    {
        var urgent = AddPreemption();
        var waiting = Pod("waiting", Container(cpu: "1500m"));
        waiting.Spec.Priority = 10;
        _scheduler.Nominated.Add(Info(waiting), "n");

        var loop = _scheduler.RunAsync(_stop.Token);

        var seen = await EventuallyAsync(() => _api.Requests.Any(r => r.Method == "PATCH" && r.Path.EndsWith("/pods/waiting/status", StringComparison.Ordinal)));
        Assert.True(seen, string.Join("\n", _api.Requests.Select(r => $"{r.Method} {r.Path} {r.Body}")));
        Assert.Equal("{\"status\":{\"nominatedNodeName\":null}}", _api.Requests.First(r => r.Path.EndsWith("/pods/waiting/status", StringComparison.Ordinal)).Body);
        Assert.Null(_scheduler.Nominated.NodeOf(waiting.Metadata.Uid));
        Assert.Equal("n", _scheduler.Nominated.NodeOf(urgent.Metadata.Uid));
        _stop.Cancel();
        await loop;
    }

    // Node n (2 CPUs) holds "low" (1500m, priority 0); "urgent" (1 CPU, priority 1000) fits only by preempting it.
    private V1Pod AddPreemption()
    {
        _scheduler.OnNodeAdd(Json(Node("n", cpu: "2")));
        var victim = Pod("low", Container(cpu: "1500m"));
        victim.Spec.NodeName = "n";
        victim.Spec.Priority = 0;
        _scheduler.OnPodAdd(Json(victim));
        var urgent = Pod("urgent", Container(cpu: "1"));
        urgent.Spec.Priority = 1000;
        urgent.Spec.SchedulerName = "default-scheduler";
        _scheduler.OnPodAdd(Json(urgent));
        return urgent;
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500; i++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return condition();
    }
}
