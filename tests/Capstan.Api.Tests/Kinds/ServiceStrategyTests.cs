using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class ServiceStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "Service")!;

    private static JsonObject Service(string spec)
    {
        var obj = Json.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":""" + spec + "}");
        Strategy.Default(obj);
        return obj;
    }

    [Theory]
    [InlineData("spec.type", "\"ClusterIP\"")]
    [InlineData("spec.sessionAffinity", "\"None\"")]
    [InlineData("spec.ports[0].protocol", "\"TCP\"")]
    [InlineData("spec.ports[0].targetPort", "80")]
    [InlineData("spec.ports[1].targetPort", "\"http\"")]
    [InlineData("spec.internalTrafficPolicy", "\"Cluster\"")]
    [InlineData("spec.ipFamilyPolicy", "\"SingleStack\"")]
    [InlineData("spec.ipFamilies", "[\"IPv4\"]")]
    public void Default_ClusterIP_GetsDefaults(string path, string expected)
    {
        var svc = Service("""{"selector":{"app":"web"},"ports":[{"name":"a","port":80},{"name":"b","port":81,"targetPort":"http"}]}""");
        Assert.Equal(expected, Json.Text(svc, path));
        Assert.Empty(Strategy.Validate(svc, null));
    }

    [Fact]
    public void Default_ClusterIP_NoExternalTrafficPolicy() =>
        Assert.Null(Json.At(Service("""{"ports":[{"port":80}]}"""), "spec.externalTrafficPolicy"));

    [Fact]
    public void Default_LoadBalancer_ExternalPolicyAndNodePortAllocation()
    {
        var svc = Service("""{"type":"LoadBalancer","ports":[{"port":80}]}""");
        Assert.Equal("\"Cluster\"", Json.Text(svc, "spec.externalTrafficPolicy"));
        Assert.Equal("true", Json.Text(svc, "spec.allocateLoadBalancerNodePorts"));
        Assert.Empty(Strategy.Validate(svc, null));
    }

    [Fact]
    public void Default_ClientIPAffinity_TimeoutDefaulted() =>
        Assert.Equal("10800", Json.Text(Service("""{"sessionAffinity":"ClientIP","ports":[{"port":80}]}"""), "spec.sessionAffinityConfig.clientIP.timeoutSeconds"));

    [Theory]
    [InlineData("""{"ports":[]}""", "spec.ports:FieldValueRequired")]
    [InlineData("""{"ports":[{"port":80},{"port":81}]}""", "spec.ports[0].name:FieldValueRequired")]
    [InlineData("""{"ports":[{"name":"a","port":80},{"name":"a","port":81}]}""", "spec.ports[1].name:FieldValueDuplicate")]
    [InlineData("""{"ports":[{"port":0}]}""", "spec.ports[0].port:FieldValueInvalid")]
    [InlineData("""{"ports":[{"port":80,"protocol":"HTTP"}]}""", "spec.ports[0].protocol:FieldValueNotSupported")]
    [InlineData("""{"type":"Magic","ports":[{"port":80}]}""", "spec.type:FieldValueNotSupported")]
    [InlineData("""{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}""", "spec.ports[0].nodePort:FieldValueInvalid")]
    [InlineData("""{"ports":[{"port":80,"nodePort":30080}]}""", "spec.ports[0].nodePort:FieldValueForbidden")]
    [InlineData("""{"type":"ExternalName"}""", "spec.externalName:FieldValueRequired")]
    [InlineData("""{"ports":[{"name":"a","port":80},{"name":"b","port":80}]}""", "spec.ports[1]:FieldValueDuplicate")]
    [InlineData("""{"externalTrafficPolicy":"Local","ports":[{"port":80}]}""", "spec.externalTrafficPolicy:FieldValueInvalid")]
    [InlineData("""{"sessionAffinity":"Sticky","ports":[{"port":80}]}""", "spec.sessionAffinity:FieldValueNotSupported")]
    public void Validate_BadService_ReportsFieldAndReason(string spec, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(Service(spec), null)));

    [Fact]
    public void Validate_Headless_NoPortsAllowed() =>
        Assert.Empty(Strategy.Validate(Service("""{"clusterIP":"None","selector":{"app":"x"}}"""), null));

    [Fact]
    public void Validate_ExternalName_NoPortsAllowed() =>
        Assert.Empty(Strategy.Validate(Service("""{"type":"ExternalName","externalName":"db.example.com"}"""), null));

    [Fact]
    public void Validate_NodePortOutOfRange_KubernetesMessage() =>
        Assert.Equal("spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
            Assert.Single(Strategy.Validate(Service("""{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}"""), null)).ToString());

    [Fact]
    public void ValidateUpdate_ClusterIPChanged_Invalid()
    {
        var old = Service("""{"clusterIP":"10.43.0.10","ports":[{"port":80}]}""");
        var svc = Service("""{"clusterIP":"10.43.0.11","ports":[{"port":80}]}""");
        Assert.Contains("spec.clusterIPs[0]:FieldValueInvalid", Json.Fields(Strategy.Validate(svc, old)));
    }

    [Fact]
    public void PrepareForUpdate_ClusterIPOmitted_CarriedOver()
    {
        var old = Service("""{"type":"NodePort","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"ports":[{"port":80,"nodePort":30080}]}""");
        var svc = Service("""{"type":"NodePort","ports":[{"port":80}]}""");
        Strategy.PrepareForUpdate(svc, old);
        Assert.Equal("\"10.43.0.10\"", Json.Text(svc, "spec.clusterIP"));
        Assert.Equal("30080", Json.Text(svc, "spec.ports[0].nodePort"));
        Assert.Empty(Strategy.Validate(svc, old));
    }

    [Fact]
    public void PrepareForUpdate_NodePortToClusterIP_DropsTypeFields()
    {
        var old = Service("""{"type":"LoadBalancer","clusterIP":"10.43.0.10","ports":[{"port":80,"nodePort":30080}]}""");
        var svc = (JsonObject)old.DeepClone();
        svc["spec"]!["type"] = "ClusterIP";
        Strategy.Default(svc);
        Strategy.PrepareForUpdate(svc, old);
        Assert.Null(Json.At(svc, "spec.ports[0].nodePort"));
        Assert.Null(Json.At(svc, "spec.externalTrafficPolicy"));
        Assert.Null(Json.At(svc, "spec.allocateLoadBalancerNodePorts"));
        Assert.Equal("\"10.43.0.10\"", Json.Text(svc, "spec.clusterIP"));
        Assert.Empty(Strategy.Validate(svc, old));
    }

    [Fact]
    public void PrepareForUpdate_ToExternalName_DropsClusterIP()
    {
        var old = Service("""{"clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"ports":[{"port":80}]}""");
        var svc = (JsonObject)old.DeepClone();
        svc["spec"]!["type"] = "ExternalName";
        svc["spec"]!["externalName"] = "db.example.com";
        Strategy.Default(svc);
        Strategy.PrepareForUpdate(svc, old);
        Assert.Null(Json.At(svc, "spec.clusterIP"));
        Assert.Null(Json.At(svc, "spec.ipFamilyPolicy"));
        Assert.Empty(Strategy.Validate(svc, old));
    }

    [Fact]
    public void PrepareForCreate_HeadlessClusterIP_ClusterIPsMatch()
    {
        var svc = Service("""{"clusterIP":"None","selector":{"app":"db"}}""");
        Strategy.PrepareForCreate(svc);
        Assert.Equal("[\"None\"]", Json.Text(svc, "spec.clusterIPs"));
    }
}
