using System.Text.Json.Nodes;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Streaming;

namespace Capstan.ApiServer.Tests.Integration;

/// <summary>How the streaming subresources pick a pod's container and word their refusals.</summary>
public sealed class PodContainersTests
{
    private static JsonObject Pod(string containers, string initContainers = "[]", string status = "{}", string nodeName = "n1") =>
        JsonNode.Parse($$"""
            {"metadata":{"name":"p"},"spec":{"nodeName":"{{nodeName}}","initContainers":{{initContainers}},"containers":{{containers}}},"status":{{status}}}
            """)!.AsObject();

    [Fact]
    public void Resolve_OneContainerNoneNamed_IsThatContainer()
    {
        Assert.Equal("app", PodContainers.Resolve(Pod("""[{"name":"app"}]"""), ""));
    }

    [Fact]
    public void Resolve_SeveralNoneNamed_ListsInitContainersFirst()
    {
        var error = Assert.Throws<ApiException>(() => PodContainers.Resolve(Pod("""[{"name":"a"},{"name":"b"}]""", """[{"name":"init"}]"""), ""));
        Assert.Equal(400, error.Code);
        Assert.Equal("a container name must be specified for pod p, choose one of: [init a b]", error.Message);
    }

    [Fact]
    public void Resolve_UnknownName_Is400()
    {
        var error = Assert.Throws<ApiException>(() => PodContainers.Resolve(Pod("""[{"name":"a"}]"""), "x"));
        Assert.Equal("container x is not valid for pod p", error.Message);
    }

    [Fact]
    public void EnsureLogsAvailable_Waiting_NamesTheReason()
    {
        var pod = Pod("""[{"name":"a"}]""", status: """{"containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}""");
        var error = Assert.Throws<ApiException>(() => PodContainers.EnsureLogsAvailable(pod, "a", previous: false));
        Assert.Equal("container \"a\" in pod \"p\" is waiting to start: ImagePullBackOff", error.Message);
    }

    [Fact]
    public void EnsureLogsAvailable_CrashLoopWithAPreviousRun_IsServed()
    {
        var pod = Pod("""[{"name":"a"}]""", status: """{"containerStatuses":[{"name":"a","state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1}}}]}""");
        PodContainers.EnsureLogsAvailable(pod, "a", previous: false);
        PodContainers.EnsureLogsAvailable(pod, "a", previous: true);
    }

    [Fact]
    public void EnsureLogsAvailable_PreviousWithoutRestart_Is400()
    {
        var pod = Pod("""[{"name":"a"}]""", status: """{"containerStatuses":[{"name":"a","state":{"running":{}}}]}""");
        var error = Assert.Throws<ApiException>(() => PodContainers.EnsureLogsAvailable(pod, "a", previous: true));
        Assert.Equal("previous terminated container \"a\" in pod \"p\" not found", error.Message);
    }

    [Fact]
    public void EnsureRunnable_CompletedPod_Is400()
    {
        var pod = Pod("""[{"name":"a"}]""", status: """{"phase":"Succeeded"}""");
        var error = Assert.Throws<ApiException>(() => PodContainers.EnsureRunnable(pod, "exec into"));
        Assert.Equal("cannot exec into a container in a completed pod; current phase is Succeeded", error.Message);
    }

    [Fact]
    public void EnsureRunnable_Unscheduled_Is400()
    {
        var error = Assert.Throws<ApiException>(() => PodContainers.EnsureRunnable(Pod("""[{"name":"a"}]""", nodeName: ""), "exec into"));
        Assert.Equal("pod p does not have a host assigned", error.Message);
    }
}
