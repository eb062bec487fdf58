using Capstan.Agent.Events;
using Capstan.Agent.Tests.Support;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Agent.Tests.Events;

[Trait("Category", "Slow")]
public sealed class EventRecorderTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Pod_RepeatsRecordedFasterThanWritten_OneEventPerMessageWithTheFullCount()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "repeat", NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() } };
        await using (var recorder = new EventRecorder(Client, "node-ev", TimeProvider.System, NullLogger.Instance))
        {
            for (var i = 0; i < 30; i++)
            {
                recorder.Pod(pod, "Warning", "BackOff", "Back-off restarting failed container app in pod repeat_default", "spec.containers{app}");
                if (i % 15 == 0)
                {
                    recorder.Pod(pod, "Warning", "Unhealthy", "Readiness probe failed: refused", "spec.containers{app}");
                }
            }
        }

        Assert.True(await AgentFixture.EventuallyAsync(async () =>
        {
            var events = (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Uid == pod.Metadata.Uid).ToList();
            return events.Count == 2
                && events.Single(e => e.Reason == "BackOff").Count == 30
                && events.Single(e => e.Reason == "Unhealthy").Count == 2
                && events.All(e => e.Source.Component == "kubelet" && e.Source.Host == "node-ev" && e.InvolvedObject.FieldPath == "spec.containers{app}");
        }));
    }
}
