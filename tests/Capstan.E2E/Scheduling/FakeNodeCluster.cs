using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Scheduling;

/// <summary>
/// A server with six simulated nodes (4 CPU, 8Gi, 20 pods each; zones zone-0..zone-2, two nodes each) and two scheduler
/// profiles: default-scheduler (LeastAllocated) and bin-packer (MostAllocated, every node searched).
/// </summary>
public sealed class FakeNodeCluster : CapstanServerFixture
{
    public const int Nodes = 6;

    public const string SchedulerConfig = """
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        profiles:
        - schedulerName: default-scheduler
        - schedulerName: bin-packer
          percentageOfNodesToScore: 100
          pluginConfig:
          - name: NodeResourcesFit
            args:
              scoringStrategy:
                type: MostAllocated
                resources:
                - name: cpu
                  weight: 1
                - name: memory
                  weight: 1
        """;

    protected override IEnumerable<string> ServerArguments()
    {
        Directory.CreateDirectory(DataDir);
        var config = Path.Combine(DataDir, "scheduler.yaml");
        File.WriteAllText(config, SchedulerConfig);
        return
        [
            "--disable-agent", "--scheduler-config", config,
            "--fake-nodes", Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--fake-node-zones", "3",
            "--fake-node-capacity", "cpu=4,memory=8Gi,pods=20",
        ];
    }
}
