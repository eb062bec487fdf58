using System.Text.Json.Nodes;
using Capstan.Api.Patch;
using k8s.Models;

namespace Capstan.Api.Tests.Patch;

public sealed class StrategicMergePatchTests
{
    private const string Pod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"p","labels":{"app":"web","tier":"front"},"finalizers":["a/x","b/y"]},
         "spec":{
           "containers":[
             {"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
             {"name":"sidecar","image":"envoy:1"}],
           "tolerations":[{"key":"k1","operator":"Exists"}],
           "volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"c"}}],
           "nodeSelector":{"disk":"ssd","zone":"a"}}}
        """;

    public static TheoryData<string, string, string> PodCases => new()
    {
        {
            "kubectl set image changes one container and keeps the other",
            """{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}""",
            """{"spec":{"containers":[{"name":"web","image":"nginx:2","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"sidecar","image":"envoy:1"}]}}"""
        },
        {
            "a new container is appended",
            """{"spec":{"containers":[{"name":"log","image":"busybox"}]}}""",
            """{"spec":{"containers":[{"name":"web"},{"name":"sidecar"},{"name":"log","image":"busybox"}]}}"""
        },
        {
            "$patch delete removes a container by name",
            """{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}""",
            """{"spec":{"containers":[{"name":"web"}]}}"""
        },
        {
            "$setElementOrder reorders containers",
            """{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],"containers":[{"name":"web","image":"nginx:3"}]}}""",
            """{"spec":{"containers":[{"name":"sidecar"},{"name":"web","image":"nginx:3"}]}}"""
        },
        {
            "$setElementOrder keeps server-only items in their place",
            """{"spec":{"$setElementOrder/containers":[{"name":"new"},{"name":"web"}],"containers":[{"name":"new","image":"n"}]}}""",
            """{"spec":{"containers":[{"name":"new"},{"name":"web"},{"name":"sidecar"}]}}"""
        },
        {
            "$setElementOrder alone keeps server-only items by server order",
            """{"spec":{"$setElementOrder/volumes":[{"name":"cfg"}]}}""",
            """{"spec":{"volumes":[{"name":"data"},{"name":"cfg"}]}}"""
        },
        {
            "$patch replace as a list item replaces the whole list",
            """{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}""",
            """{"spec":{"containers":[{"name":"only","image":"x"}]}}"""
        },
        {
            "env merges by name inside a container",
            """{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"3"},{"name":"C","value":"4"},{"name":"A","$patch":"delete"}]}]}}""",
            """{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]},{"name":"sidecar"}]}}"""
        },
        {
            "a list without merge strategy is replaced",
            """{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}""",
            """{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}"""
        },
        {
            "null removes a label",
            """{"metadata":{"labels":{"tier":null,"env":"prod"}}}""",
            """{"metadata":{"labels":{"app":"web","env":"prod"}}}"""
        },
        {
            "finalizers merge as a set",
            """{"metadata":{"finalizers":["b/y","c/z"]}}""",
            """{"metadata":{"finalizers":["a/x","b/y","c/z"]}}"""
        },
        {
            "a set merge drops duplicates",
            """{"metadata":{"finalizers":["a/x","a/x","d/w"]}}""",
            """{"metadata":{"finalizers":["a/x","b/y","d/w"]}}"""
        },
        {
            "$deleteFromPrimitiveList removes finalizers",
            """{"metadata":{"$deleteFromPrimitiveList/finalizers":["a/x"]}}""",
            """{"metadata":{"finalizers":["b/y"]}}"""
        },
        {
            "$setElementOrder orders a primitive list",
            """{"metadata":{"$setElementOrder/finalizers":["b/y","a/x"]}}""",
            """{"metadata":{"finalizers":["b/y","a/x"]}}"""
        },
        {
            "$retainKeys drops the volume source kubectl no longer sends",
            """{"spec":{"volumes":[{"name":"data","$retainKeys":["hostPath","name"],"hostPath":{"path":"/d"}}]}}""",
            """{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/d"}},{"name":"cfg","configMap":{"name":"c"}}]}}"""
        },
        {
            "$patch replace in a map replaces the map",
            """{"spec":{"nodeSelector":{"$patch":"replace","zone":"b"}}}""",
            """{"spec":{"nodeSelector":{"zone":"b"}}}"""
        },
        {
            "rollout restart adds a template annotation",
            """{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}""",
            """{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}"""
        },
        {
            "ports merge by containerPort",
            """{"spec":{"containers":[{"name":"web","ports":[{"containerPort":443,"protocol":"TCP"}]}]}}""",
            """{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]},{"name":"sidecar"}]}}"""
        },
    };

    [Theory]
    [MemberData(nameof(PodCases))]
    public void Apply_PodPatch_MatchesExpectedFields(string scenario, string patch, string expectedSubset)
    {
        var original = JsonNode.Parse(Pod)!.AsObject();

        var result = StrategicMergePatch.Apply(original, JsonNode.Parse(patch)!.AsObject(), typeof(V1Pod));

        AssertContains(JsonNode.Parse(expectedSubset)!, result, scenario);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Pod), original), "the original must not change");
    }

    [Fact]
    public void Apply_KubectlApplyPatchForDeployment_MergesAsKubectlExpects()
    {
        var live = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","annotations":{"deployment.kubernetes.io/revision":"1"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"d"}},
               "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}}}
            """)!.AsObject();
        var patch = JsonNode.Parse("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
             "spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
               "containers":[{"image":"b:2","name":"b"}]}}}}
            """)!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Deployment));

        Assert.Equal(3, result["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("1", result["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>());
        var containers = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["b", "a"], containers.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("b:2", containers[0]!["image"]!.GetValue<string>());
        Assert.Equal("a:1", containers[1]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_PatchDeleteInMap_RemovesTheMap()
    {
        var patch = JsonNode.Parse("""{"spec":{"nodeSelector":{"$patch":"delete"}}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(JsonNode.Parse(Pod)!.AsObject(), patch, typeof(V1Pod));

        Assert.False(result["spec"]!.AsObject().ContainsKey("nodeSelector"));
        Assert.NotNull(result["spec"]!["containers"]);
    }

    [Fact]
    public void Apply_RetainKeysOnDeploymentStrategy_DropsRollingUpdate()
    {
        var live = JsonNode.Parse("""{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Deployment));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"spec":{"strategy":{"type":"Recreate"}}}"""), result), result.ToJsonString());
    }

    [Fact]
    public void Apply_OwnerReferences_MergeByUid()
    {
        var live = JsonNode.Parse("""{"metadata":{"ownerReferences":[{"uid":"1","name":"a","kind":"ReplicaSet","apiVersion":"apps/v1"}]}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"metadata":{"ownerReferences":[{"uid":"2","name":"b","kind":"ReplicaSet","apiVersion":"apps/v1"},{"uid":"1","controller":true}]}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Pod));

        AssertContains(JsonNode.Parse("""{"metadata":{"ownerReferences":[{"uid":"1","name":"a","controller":true},{"uid":"2","name":"b"}]}}""")!, result, "ownerReferences");
    }

    [Fact]
    public void Apply_StatusConditions_MergeByType()
    {
        var live = JsonNode.Parse("""{"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Pod));

        AssertContains(JsonNode.Parse("""{"status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}}""")!, result, "conditions");
    }

    [Fact]
    public void Apply_ServicePorts_MergeByPort()
    {
        var live = JsonNode.Parse("""{"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"https","port":443}],"selector":{"app":"x"}}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"ports":[{"port":80,"targetPort":9090}]}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Service));

        AssertContains(JsonNode.Parse("""{"spec":{"ports":[{"name":"http","port":80,"targetPort":9090},{"name":"https","port":443}]}}""")!, result, "ports");
    }

    [Fact]
    public void Apply_ItemWithoutMergeKey_ThrowsBadRequest()
    {
        var live = JsonNode.Parse(Pod)!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"containers":[{"image":"x"}]}}""")!.AsObject();

        var e = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(live, patch, typeof(V1Pod)));

        Assert.Equal(PatchErrorKind.BadRequest, e.Kind);
        Assert.Contains("name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownFields_MergeLikeJsonMergePatch()
    {
        var live = JsonNode.Parse("""{"spec":{"x":{"a":1,"b":[1,2]}}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"x":{"a":null,"b":[3],"c":true}}}""")!.AsObject();

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Pod));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"spec":{"x":{"b":[3],"c":true}}}"""), result), result.ToJsonString());
    }

    /// <summary>Every property in <paramref name="expected"/> is in <paramref name="actual"/>; lists must match item by item and in length.</summary>
    internal static void AssertContains(JsonNode expected, JsonNode? actual, string scenario)
    {
        switch (expected)
        {
            case JsonObject e:
                var a = Assert.IsType<JsonObject>(actual);
                foreach (var (key, value) in e)
                {
                    Assert.True(a.ContainsKey(key), $"{scenario}: missing \"{key}\" in {a.ToJsonString()}");
                    if (value is null)
                    {
                        Assert.Null(a[key]);
                    }
                    else
                    {
                        AssertContains(value, a[key], scenario);
                    }
                }

                break;
            case JsonArray e:
                var list = Assert.IsType<JsonArray>(actual);
                Assert.True(e.Count == list.Count, $"{scenario}: expected {e.ToJsonString()} but got {list.ToJsonString()}");
                for (var i = 0; i < e.Count; i++)
                {
                    AssertContains(e[i]!, list[i], scenario);
                }

                break;
            default:
                Assert.True(JsonNode.DeepEquals(expected, actual), $"{scenario}: expected {expected.ToJsonString()} but got {actual?.ToJsonString()}");
                break;
        }
    }
}
