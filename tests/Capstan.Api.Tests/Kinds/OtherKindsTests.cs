using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class OtherKindsTests
{
    [Theory]
    [InlineData("""{"value":1000000001}""", "value:FieldValueForbidden")]
    [InlineData("""{"metadata":{"name":"system-custom"},"value":10}""", "metadata.name:FieldValueForbidden")]
    [InlineData("""{"value":10,"preemptionPolicy":"Sometimes"}""", "preemptionPolicy:FieldValueNotSupported")]
    public void PriorityClass_Bad(string json, string expected)
    {
        var strategy = KindStrategies.Find("scheduling.k8s.io", "PriorityClass")!;
        var pc = Json.Parse(json);
        pc.TryAdd("metadata", new JsonObject { ["name"] = "high" });
        strategy.Default(pc);
        Assert.Equal([expected], Json.Fields(strategy.Validate(pc, null)));
    }

    [Fact]
    public void PriorityClass_DefaultAndValueImmutable()
    {
        var strategy = KindStrategies.Find("scheduling.k8s.io", "PriorityClass")!;
        var old = Json.Parse("""{"metadata":{"name":"high"},"value":1000}""");
        strategy.Default(old);
        Assert.Equal("\"PreemptLowerPriority\"", Json.Text(old, "preemptionPolicy"));
        var pc = (JsonObject)old.DeepClone();
        pc["value"] = 2000;
        Assert.Equal(["value:FieldValueForbidden"], Json.Fields(strategy.Validate(pc, old)));
    }

    [Fact]
    public void PriorityClass_SystemClassWithRightValue_Valid()
    {
        var strategy = KindStrategies.Find("scheduling.k8s.io", "PriorityClass")!;
        Assert.Empty(strategy.Validate(Json.Parse("""{"metadata":{"name":"system-node-critical"},"value":2000001000}"""), null));
    }

    [Theory]
    [InlineData("""{"minAvailable":1,"maxUnavailable":1}""", "spec:FieldValueInvalid")]
    [InlineData("""{"minAvailable":"150%"}""", "spec.minAvailable:FieldValueInvalid")]
    [InlineData("""{"maxUnavailable":-1}""", "spec.maxUnavailable:FieldValueInvalid")]
    [InlineData("""{"minAvailable":1,"unhealthyPodEvictionPolicy":"Never"}""", "spec.unhealthyPodEvictionPolicy:FieldValueNotSupported")]
    public void PodDisruptionBudget_Bad(string spec, string expected)
    {
        var strategy = KindStrategies.Find("policy", "PodDisruptionBudget")!;
        Assert.Equal([expected], Json.Fields(strategy.Validate(Json.Parse("""{"metadata":{"name":"p","namespace":"a"},"spec":""" + spec + "}"), null)));
    }

    [Fact]
    public void EndpointSlice_DefaultsAndValidation()
    {
        var strategy = KindStrategies.Find("discovery.k8s.io", "EndpointSlice")!;
        var slice = Json.Parse("""{"metadata":{"name":"s","namespace":"a"},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["fe80::1"]},{"addresses":[]}],"ports":[{"port":80}]}""");
        strategy.Default(slice);
        Assert.Equal("{\"port\":80,\"name\":\"\",\"protocol\":\"TCP\"}", Json.Text(slice, "ports[0]"));
        Assert.Equal(["endpoints[1].addresses[0]:FieldValueInvalid", "endpoints[2].addresses:FieldValueRequired"], Json.Fields(strategy.Validate(slice, null)));
    }

    [Fact]
    public void EndpointSlice_AddressTypeChanged_Immutable()
    {
        var strategy = KindStrategies.Find("discovery.k8s.io", "EndpointSlice")!;
        var old = Json.Parse("""{"metadata":{"name":"s","namespace":"a"},"addressType":"IPv4"}""");
        var slice = Json.Parse("""{"metadata":{"name":"s","namespace":"a"},"addressType":"IPv6"}""");
        Assert.Equal(["addressType:FieldValueInvalid"], Json.Fields(strategy.Validate(slice, old)));
    }

    [Fact]
    public void EndpointSlice_UnknownAddressType_NotSupported()
    {
        var strategy = KindStrategies.Find("discovery.k8s.io", "EndpointSlice")!;
        Assert.Equal(["addressType:FieldValueNotSupported"], Json.Fields(strategy.Validate(Json.Parse("""{"addressType":"IPX"}"""), null)));
    }

    [Fact]
    public void NetworkPolicy_Default_PolicyTypesAndProtocol()
    {
        var strategy = KindStrategies.Find("networking.k8s.io", "NetworkPolicy")!;
        var np = Json.Parse("""{"metadata":{"name":"n","namespace":"a"},"spec":{"podSelector":{},"egress":[{"ports":[{"port":53}]}]}}""");
        strategy.Default(np);
        Assert.Equal("[\"Ingress\",\"Egress\"]", Json.Text(np, "spec.policyTypes"));
        Assert.Equal("\"TCP\"", Json.Text(np, "spec.egress[0].ports[0].protocol"));
        Assert.Empty(strategy.Validate(np, null));
    }

    [Fact]
    public void NetworkPolicy_ExceptOutsideCidr_Invalid()
    {
        var strategy = KindStrategies.Find("networking.k8s.io", "NetworkPolicy")!;
        var np = Json.Parse("""{"metadata":{"name":"n","namespace":"a"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/16","except":["10.1.0.0/24","10.0.1.0/24"]}}]}]}}""");
        strategy.Default(np);
        Assert.Equal(["spec.ingress[0].from[0].ipBlock.except[0]:FieldValueInvalid"], Json.Fields(strategy.Validate(np, null)));
    }

    [Fact]
    public void Lease_NonPositiveDuration_Invalid()
    {
        var strategy = KindStrategies.Find("coordination.k8s.io", "Lease")!;
        Assert.Equal(["spec.leaseDurationSeconds:FieldValueInvalid"],
            Json.Fields(strategy.Validate(Json.Parse("""{"spec":{"holderIdentity":"n1","leaseDurationSeconds":0}}"""), null)));
    }

    [Fact]
    public void LimitRange_Container_DefaultsFromMaxAndMin()
    {
        var strategy = KindStrategies.Find("", "LimitRange")!;
        var lr = Json.Parse("""{"metadata":{"name":"l","namespace":"a"},"spec":{"limits":[{"type":"Container","max":{"cpu":"2"},"min":{"memory":"64Mi"}}]}}""");
        strategy.Default(lr);
        Assert.Equal("{\"cpu\":\"2\"}", Json.Text(lr, "spec.limits[0].default"));
        Assert.Equal("{\"cpu\":\"2\",\"memory\":\"64Mi\"}", Json.Text(lr, "spec.limits[0].defaultRequest"));
        Assert.Empty(strategy.Validate(lr, null));
    }

    [Fact]
    public void EventsV1_MissingFields_Required()
    {
        var strategy = KindStrategies.Find("events.k8s.io", "Event")!;
        var ev = Json.Parse("""{"metadata":{"name":"e","namespace":"a"},"type":"Normal"}""");
        Assert.Equal(["eventTime:FieldValueRequired", "reportingController:FieldValueRequired", "reportingInstance:FieldValueRequired", "action:FieldValueRequired", "reason:FieldValueRequired"],
            Json.Fields(strategy.Validate(ev, null)));
    }

    [Fact]
    public void CoreEvent_NamespaceMismatch_Invalid()
    {
        var strategy = KindStrategies.Find("", "Event")!;
        var ev = Json.Parse("""{"metadata":{"name":"e","namespace":"a"},"involvedObject":{"kind":"Pod","namespace":"b","name":"p"},"type":"Normal"}""");
        Assert.Equal(["involvedObject.namespace:FieldValueInvalid"], Json.Fields(strategy.Validate(ev, null)));
    }

    [Fact]
    public void Node_DuplicateTaint_Duplicate()
    {
        var strategy = KindStrategies.Find("", "Node")!;
        var node = Json.Parse("""{"metadata":{"name":"n"},"spec":{"taints":[{"key":"a","effect":"NoSchedule"},{"key":"a","effect":"NoSchedule"},{"key":"b","effect":"Sometimes"}]}}""");
        Assert.Equal(["spec.taints[1]:FieldValueDuplicate", "spec.taints[2].effect:FieldValueNotSupported"], Json.Fields(strategy.Validate(node, null)));
    }

    [Fact]
    public void Node_Default_AllocatableFromCapacity()
    {
        var strategy = KindStrategies.Find("", "Node")!;
        var node = Json.Parse("""{"metadata":{"name":"n"},"status":{"capacity":{"cpu":"4","memory":"8192Mi"}}}""");
        strategy.Default(node);
        Assert.Equal("{\"cpu\":\"4\",\"memory\":\"8Gi\"}", Json.Text(node, "status.allocatable"));
    }

    [Theory]
    [InlineData("""{"pods":"10","requests.cpu":"4","count/deployments.apps":"5","requests.nvidia.com/gpu":"2"}""", 0)]
    [InlineData("""{"widgets":"1"}""", 1)]
    [InlineData("""{"pods":"-1"}""", 1)]
    public void ResourceQuota_HardNames(string hard, int errors)
    {
        var strategy = KindStrategies.Find("", "ResourceQuota")!;
        var quota = Json.Parse("""{"metadata":{"name":"q","namespace":"a"},"spec":{"hard":""" + hard + "}}");
        strategy.Default(quota);
        Assert.Equal(errors, strategy.Validate(quota, null).Count());
    }
}
