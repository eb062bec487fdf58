using System.Text.Json.Nodes;
using Capstan.Controllers.Events;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Controllers.Tests.Integration;

[Trait("Category", "Slow")]
public sealed class EventRecorderTests(ControllersFixture fixture) : IClassFixture<ControllersFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Record_BurstOfSimilarAndRepeatedEvents_CombinedWithTheirCounts()
    {
        var recorder = new EventRecorder(Client, "replicaset-controller", NullLogger.Instance);
        var rs = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject { ["name"] = "burst", ["namespace"] = "default", ["uid"] = Guid.NewGuid().ToString() },
        };
        for (var i = 0; i < 100; i++)
        {
            recorder.Normal(rs, "SuccessfulCreate", $"Created pod: burst-{i}");
        }

        for (var i = 0; i < 5; i++)
        {
            recorder.Warning(rs, "FailedCreate", "quota exceeded");
        }

        // As client-go's correlator: 9 events on their own, the other 91 in one combined series; the repeats in one.
        Assert.True(await ControllersFixture.EventuallyAsync(async () =>
        {
            var events = (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == "burst").ToList();
            var created = events.Where(e => e.Reason == "SuccessfulCreate").ToList();
            var combined = created.Where(e => e.Message.StartsWith(EventCorrelator.CombinedPrefix, StringComparison.Ordinal)).ToList();
            var failed = events.Where(e => e.Reason == "FailedCreate").ToList();
            return created.Count == 10 && combined.Count == 1 && combined[0].Count == 91 && combined[0].Message == EventCorrelator.CombinedPrefix + "Created pod: burst-99"
                && created.Except(combined).All(e => e.Count == 1) && failed.Count == 1 && failed[0].Count == 5 && failed[0].Type == "Warning";
        }));
    }
}
