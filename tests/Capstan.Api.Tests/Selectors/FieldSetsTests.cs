using System.Text.Json.Nodes;
using Capstan.Api.Selectors;

namespace Capstan.Api.Tests.Selectors;

public sealed class FieldSetsTests
{
    private static JsonObject Parse(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Pod_Fields_FromObject()
    {
        var pod = Parse("""
            {"metadata":{"name":"web","namespace":"shop"},
             "spec":{"nodeName":"n1","restartPolicy":"Always","schedulerName":"default-scheduler","serviceAccountName":"default"},
             "status":{"phase":"Running","podIP":"10.0.0.9","podIPs":[{"ip":"10.0.0.5"},{"ip":"fd00::5"}]}}
            """);
        var fields = FieldSets.For("", "Pod").Fields(pod);
        Assert.Equal("web", fields["metadata.name"]);
        Assert.Equal("shop", fields["metadata.namespace"]);
        Assert.Equal("n1", fields["spec.nodeName"]);
        Assert.Equal("Always", fields["spec.restartPolicy"]);
        Assert.Equal("default-scheduler", fields["spec.schedulerName"]);
        Assert.Equal("default", fields["spec.serviceAccountName"]);
        Assert.Equal("false", fields["spec.hostNetwork"]);
        Assert.Equal("Running", fields["status.phase"]);
        Assert.Equal("10.0.0.5", fields["status.podIP"]);
        Assert.Equal("", fields["status.nominatedNodeName"]);
    }

    [Fact]
    public void Pod_SpecHostAlias_NormalizedToNodeName()
    {
        var set = FieldSets.For("", "Pod");
        Assert.Null(set.Validate(FieldSelector.Parse("spec.host=n1"), out var normalized));
        Assert.Equal("spec.nodeName=n1", normalized.ToString());
        Assert.True(set.Matches(normalized, Parse("""{"spec":{"nodeName":"n1"}}""")));
    }

    [Theory]
    [InlineData("", "Pod", "spec.containers", "field label not supported: spec.containers")]
    [InlineData("", "Node", "metadata.namespace", "field label not supported: metadata.namespace")]
    [InlineData("", "Secret", "data", "field label not supported: data")]
    [InlineData("", "ConfigMap", "data.x", "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("apps", "Deployment", "status.replicas", "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    public void Validate_Unsupported_KubernetesMessage(string group, string kind, string field, string message)
    {
        Assert.Equal(message, FieldSets.For(group, kind).Validate(FieldSelector.Parse(field + "=x"), out _));
    }

    [Theory]
    [InlineData("", "Pod", "spec.nodeName")]
    [InlineData("", "Pod", "spec.hostNetwork")]
    [InlineData("", "Node", "spec.unschedulable")]
    [InlineData("", "Namespace", "status.phase")]
    [InlineData("", "Secret", "type")]
    [InlineData("", "Service", "spec.clusterIP")]
    [InlineData("", "Service", "spec.type")]
    [InlineData("", "Event", "involvedObject.uid")]
    [InlineData("", "Event", "reportingComponent")]
    [InlineData("", "Event", "source")]
    [InlineData("events.k8s.io", "Event", "regarding.name")]
    [InlineData("apps", "ReplicaSet", "status.replicas")]
    [InlineData("batch", "Job", "status.successful")]
    [InlineData("", "ConfigMap", "metadata.namespace")]
    [InlineData("example.com", "Widget", "metadata.name")]
    public void Supports_KnownFields(string group, string kind, string field)
    {
        Assert.True(FieldSets.For(group, kind).Supports(field));
    }

    [Fact]
    public void Event_Fields_FromInvolvedObject()
    {
        var ev = Parse("""
            {"metadata":{"name":"e1","namespace":"default"},"involvedObject":{"kind":"Pod","name":"web","uid":"u1"},
             "reason":"Started","type":"Normal","source":{"component":"kubelet"},"reportingComponent":"kubelet"}
            """);
        var fields = FieldSets.For("", "Event").Fields(ev);
        Assert.Equal("Pod", fields["involvedObject.kind"]);
        Assert.Equal("u1", fields["involvedObject.uid"]);
        Assert.Equal("kubelet", fields["source"]);
        Assert.Equal("Started", fields["reason"]);
    }

    [Fact]
    public void Job_And_ReplicaSet_IntegerFields()
    {
        Assert.Equal("3", FieldSets.For("batch", "Job").Fields(Parse("""{"status":{"succeeded":3}}"""))["status.successful"]);
        Assert.Equal("0", FieldSets.For("apps", "ReplicaSet").Fields(Parse("{}"))["status.replicas"]);
        Assert.Equal("true", FieldSets.For("", "Node").Fields(Parse("""{"spec":{"unschedulable":true}}"""))["spec.unschedulable"]);
    }
}
