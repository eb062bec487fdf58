using System.Globalization;
using Capstan.Bench.Workloads.Cluster;
using Capstan.Bench.Workloads.Measurement;
using Capstan.Bench.Workloads.Processes;
using Capstan.Bench.Workloads.Reporting;
using k8s;

namespace Capstan.Bench.Workloads.Scenarios;

/// <summary>
/// Node death: a server (with its embedded agent) and a second `capstan agent`; the server's node is cordoned while a
/// Deployment lands on the agent, then uncordoned; the agent is SIGKILLed and its pods stopped (`capstan killall`),
/// as a machine that dies. Measured from the SIGKILL until the Deployment's replicas are Ready again on the first
/// node, with the server's default flags.
/// </summary>
public sealed class NodeDeathScenario(WorkloadOptions options, TextWriter log)
{
    private const string Name = "node death";
    private const string Ns = "bench-node";
    private const string ServerNode = "bench-server";
    private const string AgentNode = "bench-agent";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public async Task RunAsync(ScenarioReport report, CancellationToken ct)
    {
        var replicas = options.NodeReplicas;
        await using var server = await CapstanProcess.StartServerAsync(options.CapstanPath, Path.Combine(options.WorkDir, "node-server"), ServerNode, ct).ConfigureAwait(false);
        await using var agent = CapstanProcess.StartAgent(options.CapstanPath, server, Path.Combine(options.WorkDir, "node-agent"), AgentNode, "127.11.0.0/16");
        using var client = ClusterClient.Create(server.KubeconfigPath);
        await using var nodes = await NodeTracker.StartAsync(client, ct).ConfigureAwait(false);
        foreach (var node in new[] { ServerNode, AgentNode })
        {
            if (!await nodes.WaitReadyAsync(node, options.Timeout, ct).ConfigureAwait(false))
            {
                report.Fail(Name, $"node {node} not Ready within {options.Timeout.TotalSeconds} s (agent log: {agent.Process.LogFile})");
                return;
            }
        }

        await ClusterClient.CreateNamespaceAsync(client, Ns, ct).ConfigureAwait(false);
        await using var pods = await PodTracker.StartAsync(client, Ns, ct).ConfigureAwait(false);
        await ClusterClient.SetUnschedulableAsync(client, ServerNode, true, ct).ConfigureAwait(false);
        await client.AppsV1.CreateNamespacedDeploymentAsync(TestServerDeployment.Create("survivor", replicas, options.TestServerPath), Ns, cancellationToken: ct).ConfigureAwait(false);
        var placed = await pods.WaitAsync(
            p => p.Count(h => h.Latest is { Ready: true, Terminating: false, NodeName: AgentNode }) >= replicas, options.Timeout, ct).ConfigureAwait(false);
        await ClusterClient.SetUnschedulableAsync(client, ServerNode, false, ct).ConfigureAwait(false);
        if (!placed)
        {
            report.Fail(Name, $"{replicas} pods not Ready on {AgentNode} within {options.Timeout.TotalSeconds} s");
            return;
        }

        // Let the uncordon reach the scheduler's cache and the agent renew its lease at least once more.
        await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        var victims = pods.Snapshot().Where(h => !h.Latest.Terminating).Select(h => h.Uid).ToHashSet();

        var t0 = Clock.Now;
        var killOutput = await agent.KillMachineAsync().ConfigureAwait(false);
        var podsStopped = Clock.Ms(t0, Clock.Now);
        log.WriteLine(string.Create(Inv, $"  agent SIGKILLed, its pods stopped by capstan killall {podsStopped:F0} ms later ({killOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} lines of output)"));

        bool Replaced(IReadOnlyList<PodHistory> p) =>
            p.Count(h => !victims.Contains(h.Uid) && h.Latest is { Ready: true, Terminating: false, NodeName: ServerNode }) >= replicas;
        var replaced = await pods.WaitAsync(Replaced, options.Timeout, ct).ConfigureAwait(false);
        if (!replaced)
        {
            report.Fail(Name, $"{replicas} replacement pods not Ready on {ServerNode} within {options.Timeout.TotalSeconds} s of the SIGKILL");
        }

        // Everything below is read from the watches' timestamps.
        var snapshot = pods.Snapshot();
        var old = snapshot.Where(h => victims.Contains(h.Uid)).ToList();
        var fresh = snapshot.Where(h => !victims.Contains(h.Uid)).ToList();
        var agentNode = nodes.Nodes(AgentNode);
        var lastRenewal = nodes.LeaseRenewals(AgentNode).Where(at => at < t0).DefaultIfEmpty().Max();
        var renewals = nodes.LeaseRenewals(AgentNode).Where(at => at < t0).ToList();
        var renewInterval = renewals.Count > 1 ? Clock.Ms(renewals[0], renewals[^1]) / (renewals.Count - 1) : double.NaN;
        var notReady = agentNode.FirstOrDefault(o => o.At >= t0 && o.Ready != "True");
        var tainted = agentNode.FirstOrDefault(o => o.At >= t0 && o.Taints.Any(t => t.StartsWith("node.kubernetes.io/unreachable:NoExecute", StringComparison.Ordinal)));
        var podsNotReady = Last(old.Select(h => h.First(o => !o.Ready, t0)));
        var firstDeletion = First(old.Select(h => h.First(o => o.Terminating, t0)));
        var allDeleted = Last(old.Select(h => h.First(o => o.Deleted, t0)));
        var firstAdded = First(fresh.Select(h => (long?)h.FirstSeen));
        var ready = fresh.Select(h => h.First(o => o.Ready && o.NodeName == ServerNode)).Where(r => r is not null).Select(r => r!.Value).Order().ToList();
        var allReady = ready.Count >= replicas ? Clock.Ms(t0, ready[replicas - 1]) : double.NaN;

        report.Add(Name, "SIGKILL → agent's pods stopped (capstan killall)", podsStopped);
        report.Add(Name, "last lease renewal before the SIGKILL (ms before it)", lastRenewal == 0 ? null : Clock.Ms(lastRenewal, t0), target: double.IsNaN(renewInterval) ? "" : string.Create(Inv, $"renewed every {renewInterval:F0}"));
        report.Add(Name, "SIGKILL → node Ready≠True (Unknown)", Clock.Ms(t0, notReady?.At), target: notReady is null ? "" : $"Ready={notReady.Ready}");
        report.Add(Name, "SIGKILL → unreachable NoExecute taint", Clock.Ms(t0, tainted?.At));
        report.Add(Name, "SIGKILL → all its pods not Ready", Clock.Ms(t0, podsNotReady));
        report.Add(Name, "SIGKILL → first of its pods deleting", Clock.Ms(t0, firstDeletion));
        report.Add(Name, "SIGKILL → all its pods deleted", Clock.Ms(t0, allDeleted));
        report.Add(Name, "SIGKILL → first replacement pod created", Clock.Ms(t0, firstAdded));
        report.Add(Name, "SIGKILL → all replacements scheduled", Clock.Ms(t0, Last(fresh.Select(h => h.First(o => o.NodeName is not null)))));
        report.Add(Name, "SIGKILL → all replacements Running", Clock.Ms(t0, Last(fresh.Select(h => h.First(o => o.ContainersRunning)))));
        report.Add(Name, $"SIGKILL → all {replicas} Ready on the first node", allReady, 15000);
        report.Note(string.Create(Inv,
            $"node death: replacements on {string.Join(",", fresh.Select(h => h.NodeName ?? "-").Distinct())}; {fresh.Count} replacement pods created, {old.Count} old pods"));
    }

    private static long? First(IEnumerable<long?> values) => values.Where(v => v is not null).DefaultIfEmpty().Min();

    private static long? Last(IEnumerable<long?> values)
    {
        var list = values.ToList();
        return list.Count == 0 || list.Any(v => v is null) ? null : list.Max();
    }
}
