using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.Patch;

/// <summary>
/// RecordUpdate builds field sets from the parts of the two versions that differ only; these hold it to the full
/// comparison of both versions' field sets on hand-picked writes and on seeded random edits of realistic objects.
/// </summary>
public sealed class RecordUpdateDiffTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private const string Pod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u1","resourceVersion":"7","creationTimestamp":"2026-11-26T07:00:00Z",
         "labels":{"app":"a","tier":"t"},"annotations":{"note":"x"},
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u0","controller":true}],"finalizers":["f1"],
         "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2026-11-26T07:00:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}},
          {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-26T07:01:00Z","fieldsType":"FieldsV1",
           "fieldsV1":{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Ready\"}":{".":{},"f:status":{},"f:type":{}}},"f:phase":{}}},"subresource":"status"}]},
         "spec":{"containers":[{"name":"c","image":"busybox","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"10m"}},"env":[{"name":"A","value":"1"}]},
           {"name":"d","image":"nginx","args":["-x","-y"]}],
          "tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"zone":"z1"},"restartPolicy":"Always","schedulerName":"default-scheduler","priority":0,
          "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x"]}]}]}}}},
         "status":{"phase":"Pending","qosClass":"Burstable","conditions":[{"type":"Ready","status":"False"},{"type":"PodScheduled","status":"True"}],
          "containerStatuses":[{"name":"c","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"waiting":{"reason":"ContainerCreating"}}}]}}
        """;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","generation":3,"labels":{"app":"web"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1","ports":[{"containerPort":80}]}],"volumes":[{"name":"v","emptyDir":{}}]}}},
         "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}
        """;

    public static TheoryData<string, string?, string, string> Writes => new()
    {
        { "kube-scheduler", "binding", Pod, Edit(Pod, o => { o["spec"]!["nodeName"] = "n1"; o["status"]!["conditions"]!.AsArray()[1]!["status"] = "True"; }) },
        { "kubelet", "status", Pod, Edit(Pod, o => { o["status"]!["phase"] = "Running"; o["status"]!["podIP"] = "10.0.0.1"; o["status"]!["conditions"]!.AsArray()[0]!["status"] = "True"; }) },
        { "editor", null, Pod, Edit(Pod, o => { o["metadata"]!["labels"]!.AsObject().Remove("tier"); o["spec"]!["containers"]!.AsArray()[0]!["image"] = "busybox:2"; o["spec"]!.AsObject().Remove("restartPolicy"); }) },
        { "editor", null, Pod, Edit(Pod, o => { o["spec"] = new JsonObject { ["priority"] = 0 }; o["metadata"]!["labels"] = new JsonObject(); }) },
        { "editor", null, Pod, Edit(Pod, o => o["metadata"] = new JsonObject()) },
        { "editor", null, Pod, Edit(Pod, o => o["metadata"]!.AsObject().Remove("managedFields")) },
        { "editor", null, Pod, Edit(Pod, o => o["metadata"]!["managedFields"] = new JsonArray(new JsonObject())) },
        { "editor", null, Pod, Edit(Pod, o => o["spec"]!["nodeSelector"] = null) },
        { "editor", "status", Pod, Edit(Pod, o => o.Remove("status")) },
        { "kubelet", "status", Pod, Edit(Pod, o => o["status"]!["phase"] = "Running") }, // fields it owns already
        { "kubelet", "status", Pod, Edit(Pod, o => o["status"]!["conditions"]!.AsArray()[0]!["status"] = "True") },
        { "kubectl", null, Pod, Edit(Pod, o => o["metadata"]!["labels"]!["app"] = "b") },
        { "kubelet", "status", Pod, Pod },
        { "kubelet", null, Pod, Pod },
        // managedFields not in the form the server writes: decoded and written afresh, as before.
        { "kubelet", "status", Edit(Pod, o => o["metadata"]!["managedFields"] = JsonNode.Parse("""
            [{"operation":"Update","manager":"kubectl","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{"f:name":{},".":{}}}}}},
             {"manager":"a","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:ports":{"k:{\"protocol\":\"TCP\",\"containerPort\":80}":{}}}},"extra":1},
             {"manager":"b","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{}}}},
             {"manager":"c","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":{}}},"subresource":""},
             {"manager":"d","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{}},
             {"manager":"e","operation":"Update","time":null,"fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":true}}}]
            """)), Edit(Pod, o => { o["metadata"]!["managedFields"] = null; o["status"]!["phase"] = "Running"; }) },
        // A write that supplies managedFields of its own not in the server's form over stored ones: checked and re-encoded.
        { "editor", null, Pod, Edit(Pod, o => { o["metadata"]!["managedFields"]!.AsArray()[0]!["fieldsV1"] = JsonNode.Parse("""{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{"f:name":{},".":{}}}}}"""); o["spec"]!["nodeName"] = "n"; }) },
        { "editor", null, Pod, Edit(Pod, o => o["metadata"]!["managedFields"]!.AsArray().RemoveAt(0)) },
        // Equal numbers spelled differently make different k:/v: elements.
        { "editor", null, Pod, Edit(Pod, o => o["spec"]!["containers"]!.AsArray()[0]!["ports"] = JsonNode.Parse("""[{"containerPort":80.0,"protocol":"TCP"}]""")) },
        { "editor", null, Pod, Edit(Pod, o => o["metadata"]!["resourceVersion"] = "8") },
        { "kubectl-scale", null, Deployment, Edit(Deployment, o => o["spec"]!["replicas"] = 3) },
        { "kubectl-edit", null, Deployment, Edit(Deployment, o => o["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(JsonNode.Parse("""{"name":"side","image":"b"}"""))) },
        { "kubectl-edit", null, Deployment, Edit(Deployment, o => o["spec"]!["strategy"] = new JsonObject { ["type"] = "Recreate" }) },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public void RecordUpdate_HandPickedWrites_SameAsFullComparison(string manager, string? subresource, string oldJson, string updatedJson)
    {
        var type = oldJson.Contains("\"Deployment\"", StringComparison.Ordinal) ? typeof(V1Deployment) : typeof(V1Pod);
        AssertSame(JsonNode.Parse(oldJson)!.AsObject(), JsonNode.Parse(updatedJson)!.AsObject(), type, manager, subresource);
    }

    [Fact]
    public void IsServerForm_SamplePod_True()
    {
        // The trusted comparison in AssertSame only runs on objects in the server's form; the sample pod is one.
        Assert.True(IsServerForm(JsonNode.Parse(Pod)!.AsObject()));
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, "status")]
    [InlineData(3, "binding")]
    public void RecordUpdate_RandomEdits_SameAsFullComparison(int seed, string? subresource)
    {
        var random = new Random(seed);
        foreach (var (json, type) in new[] { (Pod, typeof(V1Pod)), (Deployment, typeof(V1Deployment)) })
        {
            for (var i = 0; i < 300; i++)
            {
                var old = JsonNode.Parse(json)!.AsObject();
                var updated = (JsonObject)old.DeepClone();
                for (var edits = random.Next(1, 4); edits > 0; edits--)
                {
                    Mutate(updated, random);
                }

                // Half the time the old version is the edited one, so removals and additions both show up on each side.
                if (random.Next(2) == 0)
                {
                    (old, updated) = (updated, old);
                }

                AssertSame(old, updated, type, "m" + random.Next(3), subresource);
            }
        }
    }

    [Fact]
    public void RecordUpdateManagedFields_HandPickedCreates_SameAsFieldSet()
    {
        var creates = new[]
        {
            Edit(Pod, o => o["metadata"]!.AsObject().Remove("managedFields")),
            Edit(Pod, o => o["metadata"] = new JsonObject { ["name"] = "only" }),
            Edit(Pod, o => o["metadata"] = new JsonObject()),
            Edit(Pod, o => o["metadata"] = new JsonArray()),
            Edit(Pod, o => { o.Remove("metadata"); o.Remove("spec"); }),
            Edit(Pod, o => { o["metadata"]!.AsObject().Remove("managedFields"); o["spec"] = new JsonObject(); }),
            // Duplicate list items merge their fields: the set path.
            Edit(Pod, o => { o["metadata"]!.AsObject().Remove("managedFields"); o["spec"]!["containers"]!.AsArray().Add(JsonNode.Parse("""{"name":"c","stdin":true}""")); }),
            Edit(Pod, o => { o["metadata"]!.AsObject().Remove("managedFields"); o["metadata"]!["finalizers"] = new JsonArray("a", "a", "b"); }),
            Edit(Pod, o => { o["metadata"]!.AsObject().Remove("managedFields"); o["spec"]!["containers"]!.AsArray().Add(new JsonObject()); o["spec"]!["tolerations"] = new JsonArray(); }),
            Edit(Deployment, _ => { }),
        };
        foreach (var json in creates)
        {
            var type = json.Contains("\"Deployment\"", StringComparison.Ordinal) ? typeof(V1Deployment) : typeof(V1Pod);
            AssertSameCreate(JsonNode.Parse(json)!.AsObject(), type, "creator", "v1");
        }
    }

    [Fact]
    public void CreateFieldsV1_PlainObjects_WrittenInOneWalk()
    {
        var pod = JsonNode.Parse(Edit(Pod, o => o["metadata"]!.AsObject().Remove("managedFields")))!.AsObject();
        var deployment = JsonNode.Parse(Deployment)!.AsObject();

        Assert.Equal(
            ServerSideApply.FieldsOf(pod, typeof(V1Pod)).ToString(),
            CreateFieldsV1.Build(pod, ModelSchema.For(typeof(V1Pod)), new HashSet<string> { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })?.ToJsonString(PathElements.JsonOptions));
        Assert.NotNull(CreateFieldsV1.Build(deployment, ModelSchema.For(typeof(V1Deployment)), new HashSet<string>()));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void RecordUpdateManagedFields_RandomCreates_SameAsFieldSet(int seed)
    {
        var random = new Random(seed);
        foreach (var (json, type) in new[] { (Pod, typeof(V1Pod)), (Deployment, typeof(V1Deployment)) })
        {
            for (var i = 0; i < 500; i++)
            {
                var created = JsonNode.Parse(json)!.AsObject();
                if (random.Next(4) > 0 && created["metadata"] is JsonObject meta)
                {
                    meta.Remove("managedFields");
                }

                for (var edits = random.Next(0, 5); edits > 0; edits--)
                {
                    Mutate(created, random);
                }

                AssertSameCreate(created, type, "m" + random.Next(3), random.Next(2) == 0 ? "v1" : null);
            }
        }
    }

    // A create, as the full-comparison reference records it (the whole object's FieldSet, scoped and encoded).
    private static void AssertSameCreate(JsonObject created, Type type, string manager, string? apiVersion)
    {
        if (apiVersion is null)
        {
            created.Remove("apiVersion");
        }

        var schema = ModelSchema.For(type);
        var text = created.ToJsonString();
        JsonObject expected;
        try
        {
            expected = ServerSideApply.RecordUpdateByFullComparison(null, created, schema, manager, "Update", Now);
        }
        catch (Exception ex)
        {
            Assert.Throws(ex.GetType(), () => ServerSideApply.RecordUpdateManagedFields(null, created, schema, manager, "Update", Now, null, out _));
            return;
        }

        var fields = ServerSideApply.RecordUpdateManagedFields(null, created, schema, manager, "Update", Now, null, out var fieldsChanged);
        Assert.Equal(expected["metadata"]?["managedFields"]?.ToJsonString(), fields?.ToJsonString());
        Assert.False(fieldsChanged);
        Assert.Equal(text, created.ToJsonString());
    }

    private static void AssertSame(JsonObject old, JsonObject updated, Type type, string manager, string? subresource)
    {
        var schema = ModelSchema.For(type);
        var oldText = old.ToJsonString();
        var updatedText = updated.ToJsonString();
        JsonObject expected;
        try
        {
            expected = ServerSideApply.RecordUpdateByFullComparison(old, updated, schema, manager, "Update", Now, subresource);
        }
        catch (Exception ex)
        {
            // A malformed object (metadata not an object...) fails the same way either way.
            Assert.Throws(ex.GetType(), () => ServerSideApply.RecordUpdate(old, updated, schema, manager, "Update", Now, subresource));
            return;
        }

        var actual = ServerSideApply.RecordUpdate(old, updated, schema, manager, "Update", Now, subresource);
        var fields = ServerSideApply.RecordUpdateManagedFields(old, updated, schema, manager, "Update", Now, subresource, out var fieldsChanged);

        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
        Assert.Equal(expected["metadata"]?["managedFields"]?.ToJsonString(), fields?.ToJsonString());
        Assert.Equal(oldText, old.ToJsonString());
        Assert.Equal(updatedText, updated.ToJsonString());

        // With old as the server stores it (managedFields in its own form), trusting that form changes nothing. Parsed
        // afresh, as the store does, so that the nodes are still backed by their text.
        if (IsServerForm(old))
        {
            var storedOld = JsonNode.Parse(oldText)!.AsObject();
            var fresh = JsonNode.Parse(updatedText)!.AsObject();
            var trusted = ServerSideApply.RecordUpdateManagedFields(storedOld, fresh, schema, manager, "Update", Now, subresource, oldIsStored: true, out var trustedChanged);
            Assert.Equal(expected["metadata"]?["managedFields"]?.ToJsonString(), trusted?.ToJsonString());
            Assert.Equal(fieldsChanged, trustedChanged);
        }

        if (fieldsChanged)
        {
            // As the store writes it: the new managedFields, the stored resourceVersion. It must differ from the old version.
            var next = (JsonObject)expected.DeepClone();
            if (next["metadata"] is JsonObject meta)
            {
                meta["resourceVersion"] = old["metadata"] is JsonObject oldMeta ? oldMeta["resourceVersion"]?.DeepClone() : null;
            }

            Assert.False(JsonNode.DeepEquals(next, old), "fieldsChanged, but the stored object would be equal");
        }
    }

    // True when the object's managedFields (if any) are exactly what the server would write for them.
    private static bool IsServerForm(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta || !meta.ContainsKey("managedFields"))
        {
            return true;
        }

        var read = ManagedFieldsEntry.Read(obj);
        return read is not null && meta["managedFields"]!.ToJsonString() == ManagedFieldsEntry.ToJson(read.Select(e => { _ = e.Fields; return e; })).ToJsonString();
    }

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var obj = JsonNode.Parse(json)!.AsObject();
        edit(obj);
        return obj.ToJsonString();
    }

    // One random edit somewhere in the tree: remove, replace or add a field or list item.
    private static void Mutate(JsonObject root, Random random)
    {
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var target = containers[random.Next(containers.Count)];
        var values = new Func<JsonNode?>[]
        {
            () => "s" + random.Next(3),
            () => random.Next(3),
            () => null,
            () => new JsonObject(),
            () => new JsonObject { ["name"] = "c", ["x"] = random.Next(2) },
            () => new JsonArray("a", "b"),
            () => new JsonObject { ["type"] = "Ready", ["status"] = "True" },
        };
        switch (target)
        {
            case JsonObject obj when obj.Count > 0 && random.Next(3) == 0:
                obj.Remove(obj.GetAt(random.Next(obj.Count)).Key);
                break;
            case JsonObject obj when obj.Count > 0 && random.Next(2) == 0:
                obj[obj.GetAt(random.Next(obj.Count)).Key] = values[random.Next(values.Length)]();
                break;
            case JsonObject obj:
                obj[new[] { "name", "image", "type", "status", "nodeName", "extra", "labels" }[random.Next(7)]] = values[random.Next(values.Length)]();
                break;
            case JsonArray arr when arr.Count > 0 && random.Next(3) == 0:
                arr.RemoveAt(random.Next(arr.Count));
                break;
            case JsonArray arr when arr.Count > 0 && random.Next(2) == 0:
                arr.Add(arr[random.Next(arr.Count)]?.DeepClone());
                break;
            case JsonArray arr:
                arr.Add(values[random.Next(values.Length)]());
                break;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, v) in obj)
                {
                    if (v is JsonObject or JsonArray)
                    {
                        Collect(v, into);
                    }
                }

                break;
            case JsonArray arr:
                foreach (var v in arr)
                {
                    if (v is JsonObject or JsonArray)
                    {
                        Collect(v, into);
                    }
                }

                break;
        }
    }
}
