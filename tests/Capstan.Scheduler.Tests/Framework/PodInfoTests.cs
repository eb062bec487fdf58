using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Framework;

public sealed class PodInfoTests
{
    private static V1Pod WithVolumes(string nodeName)
    {
        var pod = Pod("p");
        pod.Spec.NodeName = nodeName;
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data-claim" } },
            new V1Volume { Name = "scratch", Ephemeral = new V1EphemeralVolumeSource { VolumeClaimTemplate = new V1PersistentVolumeClaimTemplate { Spec = new V1PersistentVolumeClaimSpec() } } },
            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
        ];
        return pod;
    }

    [Fact]
    public void ClaimNames_PersistentAndGenericEphemeral_InVolumeOrder()
    {
        Assert.Equal(["data-claim", "p-scratch"], Info(WithVolumes("")).ClaimNames);
        Assert.Equal(["data-claim", "p-scratch"], Info(WithVolumes("n1")).ClaimNames);
    }

    [Fact]
    public void Object_KeptWhilePending_NotForABoundPod()
    {
        Assert.Equal("p", Info(WithVolumes("")).Object["metadata"]!["name"]!.GetValue<string>());
        Assert.Throws<InvalidOperationException>(() => Info(WithVolumes("n1")).Object);
    }
}
