using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>
/// Pods as <c>kubectl get pods</c> shows them. STATUS is the computed reason Kubernetes prints: the phase, overridden
/// by status.reason, SchedulingGated, the first unfinished init container (Init:N/M, Init:Reason, Init:ExitCode:N),
/// then the last container's waiting/terminated reason, and Terminating/Unknown while being deleted.
/// </summary>
internal sealed class PodTableConverter() : TableConverter("", "Pod",
[
    Column.Name,
    Column.Str("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    Column.Str("Status", "The aggregate status of the containers in this pod."),
    Column.Str("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    Column.Age,
    Column.Wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    Column.Wide("Node", "NodeName indicates in which node this pod is scheduled."),
    Column.Wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node."),
    Column.Wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness."),
])
{
    private const string NodeLostReason = "NodeLost";

    public override IReadOnlyList<object?> Cells(JsonObject pod, DateTimeOffset now)
    {
        var spec = JsonRead.Obj(pod, "spec");
        var status = JsonRead.Obj(pod, "status");
        var phase = JsonRead.Str(status, "phase");
        var reason = JsonRead.StrOrNull(status, "reason") is { Length: > 0 } statusReason ? statusReason : phase;

        foreach (var condition in JsonRead.Objects(status, "conditions"))
        {
            if (JsonRead.Str(condition, "type") == "PodScheduled" && JsonRead.Str(condition, "reason") == "SchedulingGated")
            {
                reason = "SchedulingGated";
            }
        }

        var initContainers = JsonRead.Objects(spec, "initContainers").ToList();
        var sidecars = initContainers
            .Where(c => JsonRead.Str(c, "restartPolicy") == "Always")
            .Select(c => JsonRead.Str(c, "name"))
            .ToHashSet(StringComparer.Ordinal);
        var totalContainers = JsonRead.Count(spec, "containers") + sidecars.Count;
        var readyContainers = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastSidecarRestart = null;

        var initializing = false;
        var initStatuses = JsonRead.Objects(status, "initContainerStatuses").ToList();
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            var isSidecar = sidecars.Contains(JsonRead.Str(container, "name"));
            restarts += JsonRead.Long(container, "restartCount");
            lastRestart = Later(lastRestart, JsonRead.Time(container, "lastState", "terminated", "finishedAt"));
            if (isSidecar)
            {
                sidecarRestarts += JsonRead.Long(container, "restartCount");
                lastSidecarRestart = Later(lastSidecarRestart, JsonRead.Time(container, "lastState", "terminated", "finishedAt"));
            }

            var terminated = JsonRead.Obj(container, "state", "terminated");
            var waitingReason = JsonRead.Str(container, "state", "waiting", "reason");
            if (terminated is not null && JsonRead.Long(terminated, "exitCode") == 0)
            {
                continue;
            }

            if (isSidecar && JsonRead.Bool(container, "started"))
            {
                if (JsonRead.Bool(container, "ready"))
                {
                    readyContainers++;
                }

                continue;
            }

            if (terminated is not null)
            {
                var terminatedReason = JsonRead.Str(terminated, "reason");
                var signal = JsonRead.Long(terminated, "signal");
                reason = terminatedReason.Length > 0 ? "Init:" + terminatedReason
                    : signal != 0 ? $"Init:Signal:{signal}"
                    : $"Init:ExitCode:{JsonRead.Long(terminated, "exitCode")}";
            }
            else if (JsonRead.Obj(container, "state", "waiting") is not null && waitingReason.Length > 0 && waitingReason != "PodInitializing")
            {
                reason = "Init:" + waitingReason;
            }
            else
            {
                reason = string.Create(CultureInfo.InvariantCulture, $"Init:{i}/{initContainers.Count}");
            }

            initializing = true;
            break;
        }

        if (!initializing || HasCondition(status, "Initialized"))
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = JsonRead.Objects(status, "containerStatuses").ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += JsonRead.Long(container, "restartCount");
                lastRestart = Later(lastRestart, JsonRead.Time(container, "lastState", "terminated", "finishedAt"));
                var waitingReason = JsonRead.Str(container, "state", "waiting", "reason");
                var terminated = JsonRead.Obj(container, "state", "terminated");
                if (waitingReason.Length > 0)
                {
                    reason = waitingReason;
                }
                else if (terminated is not null)
                {
                    var terminatedReason = JsonRead.Str(terminated, "reason");
                    var signal = JsonRead.Long(terminated, "signal");
                    reason = terminatedReason.Length > 0 ? terminatedReason
                        : signal != 0 ? $"Signal:{signal}"
                        : $"ExitCode:{JsonRead.Long(terminated, "exitCode")}";
                }
                else if (JsonRead.Bool(container, "ready") && JsonRead.Obj(container, "state", "running") is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            // A pod whose last container completed but another still runs is shown as running (or not ready).
            if (reason == "Completed" && hasRunning)
            {
                reason = HasCondition(status, "Ready") ? "Running" : "NotReady";
            }
        }

        if (IsDeleting(pod) && JsonRead.Str(status, "reason") == NodeLostReason)
        {
            reason = "Unknown";
        }
        else if (IsDeleting(pod) && phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restartsText = CellFormat.I(restarts);
        if (restarts != 0 && lastRestart is { } last)
        {
            restartsText = $"{restartsText} ({Duration.HumanShort(now - last)} ago)";
        }

        var podIP = JsonRead.Objects(status, "podIPs").Select(p => JsonRead.Str(p, "ip")).FirstOrDefault()
            ?? JsonRead.Str(status, "podIP");
        var readinessGates = JsonRead.Objects(spec, "readinessGates").ToList();
        var gates = CellFormat.None;
        if (readinessGates.Count > 0)
        {
            var trueGates = readinessGates.Count(g =>
                JsonRead.Objects(status, "conditions").FirstOrDefault(c => JsonRead.Str(c, "type") == JsonRead.Str(g, "conditionType")) is { } c
                && JsonRead.Str(c, "status") == "True");
            gates = $"{trueGates}/{readinessGates.Count}";
        }

        return
        [
            Name(pod),
            $"{readyContainers}/{totalContainers}",
            reason,
            restartsText,
            Age(pod, now),
            OrNone(podIP),
            OrNone(JsonRead.Str(spec, "nodeName")),
            OrNone(JsonRead.Str(status, "nominatedNodeName")),
            gates,
        ];
    }

    public override JsonArray? Conditions(JsonObject pod) => JsonRead.Str(pod, "status", "phase") switch
    {
        "Succeeded" => [Completed("Succeeded", "The pod has completed successfully.")],
        "Failed" => [Completed("Failed", "The pod failed.")],
        _ => null,
    };

    private static JsonObject Completed(string reason, string message) => new()
    {
        ["type"] = "Completed",
        ["status"] = "True",
        ["reason"] = reason,
        ["message"] = message,
    };

    private static bool HasCondition(JsonObject? status, string type) =>
        JsonRead.Objects(status, "conditions").Any(c => JsonRead.Str(c, "type") == type && JsonRead.Str(c, "status") == "True");

    private static DateTimeOffset? Later(DateTimeOffset? current, DateTimeOffset? candidate) =>
        candidate is { } c && (current is null || current < c) ? c : current;

    private static string OrNone(string value) => value.Length == 0 ? CellFormat.None : value;
}
