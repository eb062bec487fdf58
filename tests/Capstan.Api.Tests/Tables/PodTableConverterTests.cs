using System.Text.Json.Nodes;
using Capstan.Api.Tables;

namespace Capstan.Api.Tests.Tables;

public sealed class PodTableConverterTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly ITableConverter Converter = TableConverters.For("", "Pod");

    private static IReadOnlyList<object?> Row(string json) => Converter.Cells((JsonObject)JsonNode.Parse(json)!, Now);

    private const string DefaultMeta = """{"name":"web","namespace":"default","creationTimestamp":"2025-01-10T11:00:00Z"}""";

    private static IReadOnlyList<object?> Pod(string spec, string status, string meta = DefaultMeta) =>
        Row("{\"metadata\":" + meta + ",\"spec\":" + spec + ",\"status\":" + status + "}");

    [Fact]
    public void Columns_MatchKubectl()
    {
        Assert.Equal(
            ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            Converter.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], Converter.Columns.Select(c => c.Priority));
        Assert.Equal("name", Converter.Columns[0].Format);
        Assert.All(Converter.Columns, c => Assert.Equal("string", c.Type));
    }

    [Theory]
    // Running and ready.
    [InlineData("""{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}""", "1/1", "Running")]
    // Pending, no statuses yet.
    [InlineData("""{"phase":"Pending"}""", "0/1", "Pending")]
    // Waiting for the image.
    [InlineData("""{"phase":"Pending","containerStatuses":[{"name":"c","ready":false,"state":{"waiting":{"reason":"ContainerCreating"}}}]}""", "0/1", "ContainerCreating")]
    // Crash looping.
    [InlineData("""{"phase":"Running","containerStatuses":[{"name":"c","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}""", "0/1", "CrashLoopBackOff")]
    // Completed.
    [InlineData("""{"phase":"Succeeded","containerStatuses":[{"name":"c","ready":false,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "0/1", "Completed")]
    // Killed without a reason.
    [InlineData("""{"phase":"Failed","containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":137}}}]}""", "0/1", "ExitCode:137")]
    [InlineData("""{"phase":"Failed","containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":0,"signal":9}}}]}""", "0/1", "Signal:9")]
    // status.reason overrides the phase.
    [InlineData("""{"phase":"Failed","reason":"Evicted"}""", "0/1", "Evicted")]
    // Scheduling gates.
    [InlineData("""{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}""", "0/1", "SchedulingGated")]
    // A finished container next to a running one: Running when the pod is ready, else NotReady.
    [InlineData("""{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "1/1", "Running")]
    [InlineData("""{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", "1/1", "NotReady")]
    public void Status_OneContainer(string status, string ready, string reason)
    {
        var two = status.Contains("\"name\":\"b\"", StringComparison.Ordinal);
        var containers = two ? """{"containers":[{"name":"a"},{"name":"b"}]}""" : """{"containers":[{"name":"c"}]}""";
        var cells = Pod(containers, status);
        Assert.Equal(two ? ready[..2] + "2" : ready, cells[1]);
        Assert.Equal(reason, cells[2]);
        Assert.Equal("60m", cells[4]);
    }

    [Theory]
    [InlineData("""[{"name":"init","ready":false,"state":{"waiting":{"reason":"PodInitializing"}}}]""", "Init:0/2")]
    [InlineData("""[{"name":"init","state":{"terminated":{"exitCode":0}}},{"name":"init2","state":{"running":{}}}]""", "Init:1/2")]
    [InlineData("""[{"name":"init","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]""", "Init:CrashLoopBackOff")]
    [InlineData("""[{"name":"init","state":{"terminated":{"exitCode":1}}}]""", "Init:ExitCode:1")]
    [InlineData("""[{"name":"init","state":{"terminated":{"exitCode":143,"signal":15}}}]""", "Init:Signal:15")]
    [InlineData("""[{"name":"init","state":{"terminated":{"exitCode":2,"reason":"Error"}}}]""", "Init:Error")]
    public void Status_InitContainers(string initStatuses, string reason)
    {
        var cells = Pod(
            """{"initContainers":[{"name":"init"},{"name":"init2"}],"containers":[{"name":"c"}]}""",
            """{"phase":"Pending","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"PodInitializing"}}}],"initContainerStatuses":"""
                + initStatuses + "}");
        Assert.Equal(reason, cells[2]);
        Assert.Equal("0/1", cells[1]);
    }

    [Fact]
    public void Status_InitRestarts_CountedWhileInitializing()
    {
        var cells = Pod(
            """{"initContainers":[{"name":"init"}],"containers":[{"name":"c"}]}""",
            """
            {"phase":"Pending","initContainerStatuses":[{"name":"init","restartCount":4,
               "lastState":{"terminated":{"finishedAt":"2025-01-10T11:58:00Z"}},"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}
            """);
        Assert.Equal("4 (2m ago)", cells[3]);
    }

    [Fact]
    public void Sidecar_CountsAsContainer_AndRestartsSurviveInitialization()
    {
        var cells = Pod(
            """{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"c"}]}""",
            """
            {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
             "initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"restartCount":1,
                  "lastState":{"terminated":{"finishedAt":"2025-01-10T11:30:00Z"}},"state":{"running":{}}}],
             "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}
            """);
        Assert.Equal("2/2", cells[1]);
        Assert.Equal("Running", cells[2]);
        Assert.Equal("1 (30m ago)", cells[3]);
    }

    [Fact]
    public void Restarts_WithLastTermination_ShowsAgo()
    {
        var cells = Pod(
            """{"containers":[{"name":"c"}]}""",
            """
            {"phase":"Running","containerStatuses":[{"name":"c","ready":false,"restartCount":5,
               "lastState":{"terminated":{"exitCode":1,"finishedAt":"2025-01-10T11:55:00Z"}},
               "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}
            """);
        Assert.Equal("5 (5m ago)", cells[3]);
        Assert.Equal("CrashLoopBackOff", cells[2]);
    }

    [Fact]
    public void Restarts_WithoutLastTermination_JustCount()
    {
        var cells = Pod(
            """{"containers":[{"name":"c"}]}""",
            """{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":2,"state":{"running":{}}}]}""");
        Assert.Equal("2", cells[3]);
    }

    [Theory]
    [InlineData("Running", "", "Terminating")]
    [InlineData("Pending", "", "Terminating")]
    [InlineData("Succeeded", "", "Succeeded")]
    [InlineData("Running", "NodeLost", "Unknown")]
    public void Deleting_Status(string phase, string reason, string expected)
    {
        var cells = Pod(
            """{"containers":[{"name":"c"}]}""",
            "{\"phase\":\"" + phase + "\",\"reason\":\"" + reason + "\"}",
            """{"name":"web","creationTimestamp":"2025-01-10T11:00:00Z","deletionTimestamp":"2025-01-10T11:59:00Z"}""");
        Assert.Equal(expected, cells[2]);
    }

    [Fact]
    public void WideCells_IpNodeGates()
    {
        var cells = Pod(
            """{"nodeName":"node-1","containers":[{"name":"c"}],"readinessGates":[{"conditionType":"a"},{"conditionType":"b"}]}""",
            """{"phase":"Running","podIPs":[{"ip":"10.42.0.7"}],"conditions":[{"type":"a","status":"True"},{"type":"b","status":"False"}]}""");
        Assert.Equal(["10.42.0.7", "node-1", "<none>", "1/2"], cells.Skip(5));
    }

    [Fact]
    public void WideCells_Empty_None()
    {
        var cells = Pod("""{"containers":[{"name":"c"}]}""", """{"phase":"Pending"}""");
        Assert.Equal(["<none>", "<none>", "<none>", "<none>"], cells.Skip(5));
        Assert.Equal("0", cells[3]);
    }

    [Fact]
    public void NoCreationTimestamp_AgeUnknown()
    {
        var cells = Row("""{"metadata":{"name":"x"},"spec":{"containers":[]}}""");
        Assert.Equal("<unknown>", cells[4]);
        Assert.Equal("0/0", cells[1]);
    }

    [Fact]
    public void Conditions_CompletedPods()
    {
        var converter = (TableConverter)Converter;
        var succeeded = converter.Conditions((JsonObject)JsonNode.Parse("""{"status":{"phase":"Succeeded"}}""")!);
        Assert.Equal("""[{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}]""", succeeded!.ToJsonString());
        Assert.Null(converter.Conditions((JsonObject)JsonNode.Parse("""{"status":{"phase":"Running"}}""")!));
    }
}
