using Capstan.Scheduler.Configuration;
using Capstan.Scheduler.Framework;

namespace Capstan.Scheduler.Tests.Configuration;

public sealed class SchedulerConfigurationTests
{
    [Fact]
    public void Parse_ProfilesWithScoringStrategies()
    {
        var profiles = SchedulerConfiguration.Parse("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 30
            profiles:
            - schedulerName: default-scheduler
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 2
                    - name: memory
                      weight: 1
            - schedulerName: ratio
              percentageOfNodesToScore: 100
              plugins:
                score:
                  disabled:
                  - name: NodeResourcesBalancedAllocation
                  enabled:
                  - name: NodeResourcesFit
                    weight: 5
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: RequestedToCapacityRatio
                    requestedToCapacityRatio:
                      shape:
                      - utilization: 100
                        score: 10
                      - utilization: 0
                        score: 0
            """);

        Assert.Equal(["default-scheduler", "ratio"], profiles.Select(p => p.SchedulerName));
        Assert.Equal(ScoringStrategy.MostAllocated, profiles[0].ScoringStrategy.Type);
        Assert.Equal([("cpu", 2), ("memory", 1)], profiles[0].ScoringStrategy.Resources);
        Assert.Equal(30, profiles[0].PercentageOfNodesToScore);
        Assert.Equal([(0, 0), (100, 10)], profiles[1].ScoringStrategy.Shape);
        Assert.Equal(100, profiles[1].PercentageOfNodesToScore);
        Assert.Contains("NodeResourcesBalancedAllocation", profiles[1].DisabledScorePlugins);
        Assert.Equal(5, profiles[1].ScoreWeights["NodeResourcesFit"]);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: Fancy")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n- schedulerName: a")]
    public void Parse_Invalid_Throws(string yaml)
    {
        Assert.Throws<FormatException>(() => SchedulerConfiguration.Parse(yaml));
    }

    [Theory]
    [InlineData(0, 50, 50)]
    [InlineData(0, 1000, 420)]
    [InlineData(0, 5000, 500)]
    [InlineData(0, 10000, 500)]
    [InlineData(100, 5000, 5000)]
    [InlineData(10, 500, 100)]
    public void NumFeasibleNodesToFind_AdaptsToClusterSize(int percentage, int nodes, int expected)
    {
        var framework = SchedulingFramework.Create(new SchedulerProfile { PercentageOfNodesToScore = percentage }, new Random(1));

        Assert.Equal(expected, framework.NumFeasibleNodesToFind(nodes));
    }
}
