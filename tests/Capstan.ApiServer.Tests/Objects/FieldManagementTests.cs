using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;
using Xunit;

namespace Capstan.ApiServer.Tests.Objects;

public sealed class FieldManagementTests
{
    private static readonly ResourceInfo Pods = ResourceRegistry.BuiltIn.FindKind("", "Pod")!;
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private const string Created = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1","labels":{"app":"a","tier":"t"},
         "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2026-11-26T07:00:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}}]},
         "spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"10m"}}}],"restartPolicy":"Always","schedulerName":"default-scheduler","priority":0},
         "status":{"phase":"Pending","qosClass":"Burstable"}}
        """;

    public static TheoryData<string, string, string, string> Writes => new()
    {
        // The scheduler's binding: spec.nodeName and the PodScheduled condition.
        { "kube-scheduler", "binding", Created, """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1","labels":{"app":"a","tier":"t"}},
             "spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"10m"}}}],"restartPolicy":"Always","schedulerName":"default-scheduler","priority":0,"nodeName":"n1"},
             "status":{"phase":"Pending","qosClass":"Burstable","conditions":[{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-26T08:00:00Z"}]}}
            """ },
        // A kubelet's status write: phase, conditions, IPs.
        { "kubelet", "status", Created, """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1","labels":{"app":"a","tier":"t"}},
             "spec":{"containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"10m"}}}],"restartPolicy":"Always","schedulerName":"default-scheduler","priority":0},
             "status":{"phase":"Running","qosClass":"Burstable","podIP":"10.0.0.1","conditions":[{"type":"Ready","status":"True"}]}}
            """ },
        // A spec write that drops a label, changes one and removes restartPolicy; status stays.
        { "editor", "", Created, """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1","labels":{"app":"b"}},
             "spec":{"containers":[{"name":"c","image":"busybox:2","resources":{"requests":{"cpu":"10m"}}}],"schedulerName":"default-scheduler","priority":0},
             "status":{"phase":"Pending","qosClass":"Burstable"}}
            """ },
        // A write that empties spec down to one equal field and adds nothing.
        { "editor", "", Created, """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1"},
             "spec":{"priority":0},
             "status":{"phase":"Pending","qosClass":"Burstable"}}
            """ },
        // Nothing changed.
        { "kubelet", "status", Created, Created },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public void RecordUpdate_InPlace_SameManagedFieldsAsCopyingRecordUpdate(string manager, string subresource, string oldJson, string updatedJson)
    {
        var old = JsonNode.Parse(oldJson)!.AsObject();
        var updated = JsonNode.Parse(updatedJson)!.AsObject();
        var expected = ServerSideApply.RecordUpdate(old, updated, Pods.ModelType!, manager, "Update", Now, subresource.Length == 0 ? null : subresource);
        var oldBefore = old.ToJsonString();
        var updatedWithout = JsonNode.Parse(updatedJson)!.AsObject();

        FieldManagement.RecordUpdate(Pods, old, updated, new WriteOptions { FieldManager = manager }, Now, subresource);

        Assert.Equal(oldBefore, old.ToJsonString());
        Assert.True(JsonNode.DeepEquals(expected["metadata"]!["managedFields"], updated["metadata"]!["managedFields"]),
            $"expected {expected["metadata"]!["managedFields"]?.ToJsonString()}, got {updated["metadata"]!["managedFields"]?.ToJsonString()}");

        // Everything but managedFields is as it was, in the same property order.
        updated["metadata"]!.AsObject().Remove("managedFields");
        updatedWithout["metadata"]!.AsObject().Remove("managedFields");
        Assert.Equal(updatedWithout.ToJsonString(), updated.ToJsonString());
    }
}
