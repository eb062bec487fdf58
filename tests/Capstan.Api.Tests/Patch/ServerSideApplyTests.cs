using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using k8s.Models;

namespace Capstan.Api.Tests.Patch;

public sealed class ServerSideApplyTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(5);

    private static JsonObject Deployment(int replicas, string image, string? extraContainer = null, string? label = "web")
    {
        var d = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"nginx","ports":[{"containerPort":80}]}]}}}}
            """)!.AsObject();
        if (label is not null)
        {
            d["metadata"]!["labels"] = new JsonObject { ["app"] = label };
        }

        d["spec"]!["replicas"] = replicas;
        var containers = d["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers[0]!["image"] = image;
        if (extraContainer is not null)
        {
            containers.Add(new JsonObject { ["name"] = extraContainer, ["image"] = "busybox" });
        }

        return d;
    }

    /// <summary>What the server stores after a write: server fields set, defaults filled in.</summary>
    private static JsonObject Stored(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["metadata"]!["uid"] = "u-1";
        copy["metadata"]!["resourceVersion"] = "7";
        foreach (var port in copy["spec"]?["template"]?["spec"]?["containers"]?.AsArray().SelectMany(c => c?["ports"]?.AsArray() ?? []) ?? [])
        {
            port!["protocol"] ??= "TCP";
        }

        return copy;
    }

    private static JsonObject ApplyOk(JsonObject? live, JsonObject applied, string manager, bool force = false, DateTimeOffset? now = null)
    {
        var result = ServerSideApply.Apply(live, applied, typeof(V1Deployment), manager, force, now ?? T0);
        Assert.True(result.Succeeded, result.ConflictMessage);
        return Stored(result.Object!);
    }

    private static JsonObject Entry(JsonObject obj, string manager, string operation = "Apply") =>
        obj["metadata"]!["managedFields"]!.AsArray().Select(e => e!.AsObject())
            .Single(e => e["manager"]!.GetValue<string>() == manager && e["operation"]!.GetValue<string>() == operation);

    private static bool Owns(JsonObject obj, string manager, string operation, params string[] path) =>
        FieldSet.FromFieldsV1(Entry(obj, manager, operation)["fieldsV1"]!.AsObject()).Contains(path);

    [Fact]
    public void Apply_Create_RecordsApplyEntryInFieldsV1Format()
    {
        var result = ServerSideApply.Apply(null, Deployment(2, "nginx:1"), typeof(V1Deployment), "kubectl", false, T0);

        Assert.True(result.Succeeded);
        var entry = Entry(result.Object!, "kubectl");
        Assert.Equal("apps/v1", entry["apiVersion"]!.GetValue<string>());
        Assert.Equal("2024-05-01T10:00:00Z", entry["time"]!.GetValue<string>());
        Assert.Equal("FieldsV1", entry["fieldsType"]!.GetValue<string>());
        var expected = JsonNode.Parse("""
            {"f:metadata":{"f:labels":{"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:selector":{},
               "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                 "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},
                   "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, entry["fieldsV1"]), entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public void Apply_SameConfigTwice_LeavesObjectUnchanged()
    {
        var first = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");

        var second = ServerSideApply.Apply(first, Deployment(2, "nginx:1"), typeof(V1Deployment), "kubectl", false, T1);

        Assert.True(second.Succeeded);
        Assert.True(JsonNode.DeepEquals(first, second.Object), second.Object!.ToJsonString());
    }

    [Fact]
    public void Apply_FieldRemovedFromConfig_RemovesField()
    {
        var first = ApplyOk(null, Deployment(2, "nginx:1", extraContainer: "sidecar"), "kubectl");

        var second = ApplyOk(first, Deployment(2, "nginx:1", label: null), "kubectl", now: T1);

        Assert.Null(second["metadata"]!["labels"]);
        var containers = second["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal("nginx", Assert.Single(containers)!["name"]!.GetValue<string>());
        Assert.Equal("u-1", second["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal("2024-05-01T10:05:00Z", Entry(second, "kubectl")["time"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_TwoManagersDifferentValues_ReportsConflict()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "alice");

        var result = ServerSideApply.Apply(live, Deployment(5, "nginx:1"), typeof(V1Deployment), "bob", false, T1);

        Assert.False(result.Succeeded);
        Assert.Null(result.Object);
        var conflict = Assert.Single(result.Conflicts);
        Assert.Equal("alice", conflict.Manager);
        Assert.Equal(".spec.replicas", conflict.Field);
        Assert.Equal("conflict with \"alice\" using apps/v1", conflict.Message);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\" using apps/v1: .spec.replicas", result.ConflictMessage);
    }

    [Fact]
    public void Apply_ConflictOnContainerImage_NamesTheItem()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "alice");

        var result = ServerSideApply.Apply(live, Deployment(2, "nginx:2"), typeof(V1Deployment), "bob", false, T1);

        Assert.Equal(".spec.template.spec.containers[name=\"nginx\"].image", Assert.Single(result.Conflicts).Field);
    }

    [Fact]
    public void Apply_Force_MovesOwnership()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "alice");

        var result = ApplyOk(live, Deployment(5, "nginx:1"), "bob", force: true, now: T1);

        Assert.Equal(5, result["spec"]!["replicas"]!.GetValue<int>());
        Assert.True(Owns(result, "bob", "Apply", "f:spec", "f:replicas"));
        Assert.False(Owns(result, "alice", "Apply", "f:spec", "f:replicas"));
        Assert.True(Owns(result, "alice", "Apply", "f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}", "f:image"));
    }

    [Fact]
    public void Apply_SameValueByTwoManagers_SharesOwnershipAndKeepsFieldWhenOneDropsIt()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "alice");
        live = ApplyOk(live, Deployment(2, "nginx:1"), "bob");
        Assert.True(Owns(live, "alice", "Apply", "f:spec", "f:replicas"));
        Assert.True(Owns(live, "bob", "Apply", "f:spec", "f:replicas"));

        var alice = Deployment(2, "nginx:1", label: null);
        alice["spec"]!.AsObject().Remove("replicas");
        var result = ApplyOk(live, alice, "alice", now: T1);

        Assert.Equal(2, result["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("web", result["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_OtherManagersContainer_IsKept()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "alice");
        var bob = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy"}]}}}}
            """)!.AsObject();
        live = ApplyOk(live, bob, "bob");

        var result = ApplyOk(live, Deployment(3, "nginx:1"), "alice", now: T1);

        var names = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>());
        Assert.Equal(["nginx", "sidecar"], names);
    }

    [Fact]
    public void Apply_AfterKubectlStyleUpdate_UpdaterOwnsChangedFieldAndApplyConflicts()
    {
        var applied = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");
        var edited = (JsonObject)applied.DeepClone();
        edited["spec"]!["replicas"] = 4; // kubectl scale / edit
        var updated = ServerSideApply.RecordUpdate(applied, edited, typeof(V1Deployment), "kubectl-edit", "Update", T1);

        Assert.True(Owns(updated, "kubectl-edit", "Update", "f:spec", "f:replicas"));
        Assert.False(Owns(updated, "kubectl", "Apply", "f:spec", "f:replicas"));

        // Re-applying the old replicas now conflicts with the updater...
        var again = ServerSideApply.Apply(updated, Deployment(2, "nginx:1"), typeof(V1Deployment), "kubectl", false, T1);
        Assert.Equal("kubectl-edit", Assert.Single(again.Conflicts).Manager);

        // ...and a config without replicas leaves the updater's value alone.
        var noReplicas = Deployment(2, "nginx:2");
        noReplicas["spec"]!.AsObject().Remove("replicas");
        var result = ApplyOk(updated, noReplicas, "kubectl", now: T1);
        Assert.Equal(4, result["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("nginx:2", result["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_AfterUpdateThatAddedLabel_KeepsLabelOwnedByUpdater()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");
        var labelled = (JsonObject)live.DeepClone();
        labelled["metadata"]!["labels"]!["team"] = "a"; // kubectl label
        live = ServerSideApply.RecordUpdate(live, labelled, typeof(V1Deployment), "kubectl-label", "Update", T1);

        var result = ApplyOk(live, Deployment(2, "nginx:1", label: null), "kubectl", now: T1);

        Assert.Equal("a", result["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Null(result["metadata"]!["labels"]!["app"]);
    }

    [Fact]
    public void Apply_NoManagedFieldsOnLive_ConflictsWithBeforeFirstApply()
    {
        var live = Stored(Deployment(2, "nginx:1"));

        var result = ServerSideApply.Apply(live, Deployment(3, "nginx:1"), typeof(V1Deployment), "kubectl", false, T0);

        Assert.Equal(ServerSideApply.BeforeFirstApplyManager, Assert.Single(result.Conflicts).Manager);
    }

    [Fact]
    public void Apply_StatusInMainResource_IsIgnored()
    {
        var config = Deployment(2, "nginx:1");
        config["status"] = new JsonObject { ["replicas"] = 9 };
        config["metadata"]!["resourceVersion"] = "123";

        var result = ServerSideApply.Apply(null, config, typeof(V1Deployment), "kubectl", false, T0);

        Assert.Null(result.Object!["status"]);
        Assert.Null(result.Object!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public void Apply_StatusSubresource_TakesOnlyStatus()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");
        var status = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":7},
             "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}
            """)!.AsObject();

        var result = ServerSideApply.Apply(live, status, typeof(V1Deployment), "controller", false, T1, subresource: "status");

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Object!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(2, result.Object!["status"]!["replicas"]!.GetValue<int>());
        var entry = Entry(result.Object!, "controller");
        Assert.Equal("status", entry["subresource"]!.GetValue<string>());
        Assert.True(FieldSet.FromFieldsV1(entry["fieldsV1"]!.AsObject())
            .Contains(["f:status", "f:conditions", "k:{\"type\":\"Available\"}", "f:status"]));
    }

    [Fact]
    public void Apply_SetList_MergesAsSet()
    {
        var a = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["x/a"]},"data":{"k":"v"}}""")!.AsObject();
        var b = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["x/b"]}}""")!.AsObject();
        var live = ServerSideApply.Apply(null, a, typeof(V1ConfigMap), "a", false, T0).Object!;

        var result = ServerSideApply.Apply(live, b, typeof(V1ConfigMap), "b", false, T1);

        Assert.Equal(["x/a", "x/b"], result.Object!["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.True(FieldSet.FromFieldsV1(Entry(result.Object!, "b")["fieldsV1"]!.AsObject()).Contains(["f:metadata", "f:finalizers", "v:\"x/b\""]));
        Assert.Equal("v", result.Object!["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public void RecordUpdate_Create_OwnsAllFieldsButServerOnes()
    {
        var cm = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u","labels":{"a":"1"}},"data":{"k":"v"}}""")!.AsObject();

        var result = ServerSideApply.RecordUpdate(null, cm, typeof(V1ConfigMap), "kubectl-create", "Update", T0);

        var entry = Entry(result, "kubectl-create", "Update");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"f:data":{"f:k":{}},"f:metadata":{"f:labels":{"f:a":{}}}}"""), entry["fieldsV1"]), entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public void RecordUpdate_RemovedField_LeavesEverySet()
    {
        var cm = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v","j":"w"}}""")!.AsObject();
        var live = ServerSideApply.Apply(null, cm, typeof(V1ConfigMap), "kubectl", false, T0).Object!;
        var edited = (JsonObject)live.DeepClone();
        edited["data"]!.AsObject().Remove("j");

        var result = ServerSideApply.RecordUpdate(live, edited, typeof(V1ConfigMap), "kubectl-edit", "Update", T1);

        Assert.False(FieldSet.FromFieldsV1(Entry(result, "kubectl")["fieldsV1"]!.AsObject()).Contains(["f:data", "f:j"]));
        Assert.True(FieldSet.FromFieldsV1(Entry(result, "kubectl")["fieldsV1"]!.AsObject()).Contains(["f:data", "f:k"]));
        Assert.DoesNotContain(result["metadata"]!["managedFields"]!.AsArray(), e => e!["manager"]!.GetValue<string>() == "kubectl-edit");
    }

    [Fact]
    public void RecordUpdate_ResetEntry_ClearsManagedFields()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");
        var reset = (JsonObject)live.DeepClone();
        reset["metadata"]!["managedFields"] = JsonNode.Parse("[{}]");

        var result = ServerSideApply.RecordUpdate(live, reset, typeof(V1Deployment), "kubectl-patch", "Update", T1);

        Assert.Null(result["metadata"]!["managedFields"]);
    }

    [Fact]
    public void RecordUpdate_NoChange_KeepsEntriesAsTheyWere()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1"), "kubectl");

        var result = ServerSideApply.RecordUpdate(live, (JsonObject)live.DeepClone(), typeof(V1Deployment), "other", "Update", T1);

        Assert.True(JsonNode.DeepEquals(live["metadata"]!["managedFields"], result["metadata"]!["managedFields"]));
    }

    [Fact]
    public void Apply_ItemWithoutKey_ThrowsBadRequest()
    {
        var config = Deployment(2, "nginx:1");
        config["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["image"] = "x" });

        var e = Assert.Throws<PatchException>(() => ServerSideApply.Apply(null, config, typeof(V1Deployment), "kubectl", false, T0));

        Assert.Contains("\"name\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ConfigWithManagedFields_ThrowsBadRequest()
    {
        var config = Deployment(2, "nginx:1");
        config["metadata"]!["managedFields"] = new JsonArray();

        Assert.Throws<PatchException>(() => ServerSideApply.Apply(null, config, typeof(V1Deployment), "kubectl", false, T0));
    }

    [Fact]
    public void Apply_ServicePortsWithoutProtocol_MatchDefaultedLivePorts()
    {
        var svc = JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}""")!.AsObject();
        var live = ServerSideApply.Apply(null, svc, typeof(V1Service), "kubectl", false, T0).Object!;
        live["spec"]!["ports"]![0]!["protocol"] = "TCP";
        live["spec"]!["clusterIP"] = "10.0.0.1";
        svc["spec"]!["ports"]![0]!["targetPort"] = 9090;

        var result = ServerSideApply.Apply(live, svc, typeof(V1Service), "kubectl", false, T1);

        var port = Assert.Single(result.Object!["spec"]!["ports"]!.AsArray());
        Assert.Equal(9090, port!["targetPort"]!.GetValue<int>());
        Assert.Equal("10.0.0.1", result.Object!["spec"]!["clusterIP"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_AtomicList_IsReplacedWhole()
    {
        var config = Deployment(2, "nginx:1");
        config["spec"]!["template"]!["spec"]!["containers"]![0]!["args"] = new JsonArray("a", "b");
        var live = ApplyOk(null, config, "kubectl");
        config["spec"]!["template"]!["spec"]!["containers"]![0]!["args"] = new JsonArray("c");

        var result = ApplyOk(live, config, "kubectl", now: T1);

        Assert.Equal(["c"], result["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(Owns(result, "kubectl", "Apply", "f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}", "f:args"));
    }

    [Fact]
    public void Apply_RemovedContainerOwnedOnlyByApplier_IsRemovedButOtherManagersFieldKeepsIt()
    {
        var live = ApplyOk(null, Deployment(2, "nginx:1", extraContainer: "sidecar"), "alice");
        var bob = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"sidecar","imagePullPolicy":"Always"}]}}}}
            """)!.AsObject();
        live = ApplyOk(live, bob, "bob");

        var result = ApplyOk(live, Deployment(2, "nginx:1"), "alice", now: T1);

        var sidecar = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "sidecar")!;
        Assert.Equal("Always", sidecar["imagePullPolicy"]!.GetValue<string>());
        Assert.Null(sidecar["image"]);
    }

    [Fact]
    public void Apply_CustomResourceWithoutSchema_MergesObjectsAndReplacesLists()
    {
        var a = JsonNode.Parse("""{"apiVersion":"x.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1,"tags":["a"]}}""")!.AsObject();
        var b = JsonNode.Parse("""{"apiVersion":"x.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"color":"red"}}""")!.AsObject();
        var live = ServerSideApply.Apply(null, a, schema: null, "alice", false, T0).Object!;

        var result = ServerSideApply.Apply(live, b, schema: null, "bob", false, T1);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"size":1,"tags":["a"],"color":"red"}"""), result.Object!["spec"]));
        Assert.True(FieldSet.FromFieldsV1(Entry(live, "alice")["fieldsV1"]!.AsObject()).Contains(["f:spec", "f:tags"]));
    }
}
