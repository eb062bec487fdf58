using System.Net;
using Capstan.Agent.Events;
using Capstan.Agent.Runtime;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Node;

/// <summary>
/// Registers the Node (create, or update labels and status when it already exists) and then posts its status every
/// NodeStatusUpdateFrequency when it changed, and at least every NodeStatusReportFrequency as a heartbeat.
/// </summary>
internal sealed partial class NodeStatusReporter
{
    private readonly IKubernetes _client;
    private readonly AgentOptions _options;
    private readonly IContainerRuntime _runtime;
    private readonly EventRecorder _events;
    private readonly ILogger _logger;
    private readonly MachineInfo _machine;
    private readonly Eviction.NodePressureState _pressure;
    private readonly Pods.WakeSignal _wake = new();
    private long _lastPosted;
    private (bool Memory, bool Disk) _reportedPressure;

    public NodeStatusReporter(IKubernetes client, AgentOptions options, IContainerRuntime runtime, MachineInfo machine, EventRecorder events, ILogger logger, Eviction.NodePressureState? pressure = null)
    {
        _pressure = pressure ?? new Eviction.NodePressureState();
        _pressure.Changed += _wake.Set;
        _client = client;
        _options = options;
        _runtime = runtime;
        _machine = machine;
        _events = events;
        _logger = logger;
    }

    public MachineInfo Machine => _machine;

    /// <summary>The node's uid once registered (the Lease's owner reference names it).</summary>
    public string NodeUid { get; private set; } = "";

    public async Task RegisterAsync(CancellationToken ct)
    {
        _events.Node("Normal", "Starting", "Starting kubelet.");
        V1Node node;
        try
        {
            node = await _client.CoreV1.CreateNodeAsync(new V1Node
            {
                Metadata = new V1ObjectMeta
                {
                    Name = _options.NodeName,
                    Labels = NodeStatusBuilder.Labels(_options, _machine),
                    Annotations = new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0", ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true" },
                },
                Spec = new V1NodeSpec { Taints = _options.RegisterWithTaints.Count == 0 ? null : [.. _options.RegisterWithTaints] },
            }, cancellationToken: ct).ConfigureAwait(false);
            LogRegistered(_options.NodeName);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var labels = k8s.KubernetesJson.Serialize(NodeStatusBuilder.Labels(_options, _machine));
            node = await _client.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"labels\":" + labels + "}}", V1Patch.PatchType.MergePatch), _options.NodeName, cancellationToken: ct).ConfigureAwait(false);
        }

        NodeUid = node.Metadata.Uid ?? "";
        await PostAsync(node.Status, force: true, ct).ConfigureAwait(false);
        _events.Node("Normal", "NodeHasSufficientMemory", $"Node {_options.NodeName} status is now: NodeHasSufficientMemory");
        _events.Node("Normal", "NodeHasNoDiskPressure", $"Node {_options.NodeName} status is now: NodeHasNoDiskPressure");
        _events.Node("Normal", "NodeHasSufficientPID", $"Node {_options.NodeName} status is now: NodeHasSufficientPID");
        _events.Node("Normal", "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods");
        _events.Node("Normal", "NodeReady", $"Node {_options.NodeName} status is now: NodeReady");
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var time = _options.TimeProvider;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // A pressure condition flipping is posted at once: the taint (and so the scheduler) follows it.
                await _wake.WaitAsync(_options.NodeStatusUpdateFrequency, time, ct).ConfigureAwait(false);
                var node = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: ct).ConfigureAwait(false);
                await PostAsync(node.Status, force: false, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Deleted under us (kubectl delete node): register again, as the kubelet does.
                try
                {
                    await RegisterAsync(ct).ConfigureAwait(false);
                }
                catch (Exception inner) when (inner is HttpOperationException or HttpRequestException)
                {
                    LogPostFailed(inner, _options.NodeName);
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                LogPostFailed(ex, _options.NodeName);
            }
        }
    }

    private async Task PostAsync(V1NodeStatus? current, bool force, CancellationToken ct)
    {
        var time = _options.TimeProvider;
        var now = TruncateToSeconds(time.GetUtcNow().UtcDateTime);
        var desired = NodeStatusBuilder.Build(_options, _machine, _runtime.Name, _runtime.Version, current?.Conditions, now, _pressure);
        var due = time.GetElapsedTime(_lastPosted) >= _options.NodeStatusReportFrequency;
        if (!force && !due && !NodeStatusBuilder.Differs(desired, current))
        {
            return;
        }

        var body = k8s.KubernetesJson.Serialize(new { status = desired });
        await _client.CoreV1.PatchNodeStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), _options.NodeName, cancellationToken: ct).ConfigureAwait(false);
        _lastPosted = time.GetTimestamp();
        ReportPressureEvents();
    }

    /// <summary>The kubelet's node events when a pressure condition flips (NodeHasInsufficientMemory, NodeHasDiskPressure and back).</summary>
    private void ReportPressureEvents()
    {
        var now = (_pressure.Memory, _pressure.Disk);
        if (now.Memory != _reportedPressure.Memory)
        {
            var reason = now.Memory ? "NodeHasInsufficientMemory" : "NodeHasSufficientMemory";
            _events.Node("Normal", reason, $"Node {_options.NodeName} status is now: {reason}");
        }

        if (now.Disk != _reportedPressure.Disk)
        {
            var reason = now.Disk ? "NodeHasDiskPressure" : "NodeHasNoDiskPressure";
            _events.Node("Normal", reason, $"Node {_options.NodeName} status is now: {reason}");
        }

        _reportedPressure = now;
    }

    private static DateTime TruncateToSeconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "registered node {Node}")]
    private partial void LogRegistered(string node);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "posting the status of node {Node} failed")]
    private partial void LogPostFailed(Exception ex, string node);
}
