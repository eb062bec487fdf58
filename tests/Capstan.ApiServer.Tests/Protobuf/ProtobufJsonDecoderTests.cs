using System.Text.Json.Nodes;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Protobuf;

namespace Capstan.ApiServer.Tests.Protobuf;

public sealed class ProtobufJsonDecoderTests
{
    public static TheoryData<string> CreateNames()
    {
        var data = new TheoryData<string>();
        foreach (var capture in KubectlCaptures.Creates)
        {
            data.Add(capture.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CreateNames))]
    public void DecodeObject_KubectlCreatePayload_MatchesKubectlJson(string name)
    {
        var capture = KubectlCaptures.Creates.Single(c => c.Name == name);

        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(capture.Hex));

        JsonAssert.Equal(capture.Json, json);
    }

    [Fact]
    public void DecodeObject_KubectlAuthCanI_DecodesSelfSubjectAccessReview()
    {
        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(KubectlCaptures.SelfSubjectAccessReview));

        JsonAssert.Equal(
            """
            {"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},
             "spec":{"resourceAttributes":{"namespace":"pbtest","verb":"list","resource":"pods"}},"status":{"allowed":false}}
            """,
            json);
    }

    [Fact]
    public void DecodeObject_KubectlCreateToken_DecodesTokenRequest()
    {
        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(KubectlCaptures.TokenRequest));

        JsonAssert.Equal(
            """
            {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},
             "spec":{"audiences":null,"boundObjectRef":null,"expirationSeconds":600},"status":{"token":"","expirationTimestamp":null}}
            """,
            json);
    }

    [Fact]
    public void DecodeObject_KubectlCreateTokenWithAudience_KeepsAudiences()
    {
        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(KubectlCaptures.TokenRequestWithAudience));

        JsonAssert.Equal("""["x"]""", json["spec"]?["audiences"]);
    }

    [Fact]
    public void DecodeObject_KubectlAuthCanIList_DecodesSelfSubjectRulesReview()
    {
        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(KubectlCaptures.SelfSubjectRulesReview));

        JsonAssert.Equal(
            """
            {"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},
             "spec":{"namespace":"pbtest"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}
            """,
            json);
    }

    [Fact]
    public void DecodeObject_KubectlAuthWhoami_DecodesSelfSubjectReview()
    {
        var json = ProtobufJsonDecoder.DecodeObject(Convert.FromHexString(KubectlCaptures.SelfSubjectReview));

        JsonAssert.Equal(
            """{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{}}}""",
            json);
    }

    [Fact]
    public void DecodeObject_Eviction_KeepsDeleteOptions()
    {
        var body = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "p1").String(3, "ns1").Message(8, new ProtoWriter()))
            .Message(2, new ProtoWriter().Varint(1, 0).Message(2, new ProtoWriter().String(1, "uid-1")).String(4, "Foreground").String(5, "All"))
            .Envelope("policy/v1", "Eviction");

        var json = ProtobufJsonDecoder.DecodeObject(body);

        JsonAssert.Equal(
            """
            {"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"p1","namespace":"ns1","creationTimestamp":null},
             "deleteOptions":{"gracePeriodSeconds":0,"preconditions":{"uid":"uid-1"},"propagationPolicy":"Foreground","dryRun":["All"]}}
            """,
            json);
    }

    [Fact]
    public void DecodeObject_DeleteOptionsUnderAnyGroupVersion_Decodes()
    {
        var body = new ProtoWriter().Bool(3, false).Envelope("apps/v1", "DeleteOptions");

        JsonAssert.Equal("""{"kind":"DeleteOptions","apiVersion":"apps/v1","orphanDependents":false}""", ProtobufJsonDecoder.DecodeObject(body));
    }

    [Fact]
    public void DecodeObject_ScaleAndBinding_Decode()
    {
        var scale = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "web").String(3, "ns1").String(6, "42"))
            .Message(2, new ProtoWriter().Varint(1, 0))
            .Message(3, new ProtoWriter().Varint(1, 0).String(2, ""))
            .Envelope("autoscaling/v1", "Scale");
        var binding = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "p1"))
            .Message(2, new ProtoWriter().String(1, "Node").String(3, "node1"))
            .Envelope("v1", "Binding");

        JsonAssert.Equal(
            """
            {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"ns1","resourceVersion":"42"},
             "spec":{},"status":{"replicas":0}}
            """,
            ProtobufJsonDecoder.DecodeObject(scale));
        JsonAssert.Equal(
            """{"kind":"Binding","apiVersion":"v1","metadata":{"name":"p1"},"target":{"kind":"Node","name":"node1"}}""",
            ProtobufJsonDecoder.DecodeObject(binding));
    }

    [Fact]
    public void DecodeObject_SpecialTypes_UseTheirGoJsonForms()
    {
        // A pod exercising Time, IntOrString, Quantity, inline VolumeSource and ProbeHandler, a pointer set to zero (kept) and
        // zeros of non-pointer omitempty fields (dropped: hostNetwork, initialDelaySeconds, emptyDir.medium).
        var probe = new ProtoWriter()
            .Message(1, new ProtoWriter().Message(2, new ProtoWriter().String(1, "/healthz").Message(2, new ProtoWriter().Varint(1, 1).String(3, "http"))))
            .Varint(2, 0);
        var container = new ProtoWriter()
            .String(1, "c")
            .Message(8, new ProtoWriter().MapEntry(1, "cpu", new ProtoWriter().String(1, "250m")))
            .Message(10, probe);
        var spec = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "data").Message(2, new ProtoWriter().Message(2, new ProtoWriter().String(1, ""))))
            .Message(2, container)
            .Varint(4, 0)
            .Bool(11, false);
        var body = new ProtoWriter()
            .Message(1, new ProtoWriter()
                .String(1, "p")
                .Varint(7, 0)
                .Message(8, new ProtoWriter().Varint(1, 1700000000))
                .Message(9, new ProtoWriter().Varint(1, 1700000030)))
            .Message(2, spec)
            .Envelope("v1", "Pod");

        var json = ProtobufJsonDecoder.DecodeObject(body);

        JsonAssert.Equal(
            """
            {"kind":"Pod","apiVersion":"v1",
             "metadata":{"name":"p","creationTimestamp":"2023-11-14T22:13:20Z","deletionTimestamp":"2023-11-14T22:13:50Z"},
             "spec":{"volumes":[{"name":"data","emptyDir":{}}],
                     "containers":[{"name":"c","resources":{"limits":{"cpu":"250m"}},
                                    "livenessProbe":{"httpGet":{"path":"/healthz","port":"http"}}}],
                     "terminationGracePeriodSeconds":0}}
            """,
            json);
    }

    [Fact]
    public void DecodeObject_IntOrStringNumber_IsANumber()
    {
        var body = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "pdb"))
            .Message(2, new ProtoWriter().Message(1, new ProtoWriter().Varint(1, 0).Varint(2, 2)))
            .Envelope("policy/v1", "PodDisruptionBudget");

        JsonAssert.Equal(
            """{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb"},"spec":{"minAvailable":2}}""",
            ProtobufJsonDecoder.DecodeObject(body));
    }

    [Fact]
    public void DecodeObject_MicroTimeDurationAndRawExtension_Decode()
    {
        var lease = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "l"))
            .Message(2, new ProtoWriter().String(1, "me").Varint(2, 15).Message(3, new ProtoWriter().Varint(1, 1700000000).Varint(2, 123456789)))
            .Envelope("coordination.k8s.io/v1", "Lease");
        var revision = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "r"))
            .Message(2, new ProtoWriter().Bytes(1, """{"spec":{"a":[1,"x"]}}"""u8))
            .Varint(3, 2)
            .Envelope("apps/v1", "ControllerRevision");

        JsonAssert.Equal(
            """
            {"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"l"},
             "spec":{"holderIdentity":"me","leaseDurationSeconds":15,"acquireTime":"2023-11-14T22:13:20.123456Z"}}
            """,
            ProtobufJsonDecoder.DecodeObject(lease));
        JsonAssert.Equal(
            """{"kind":"ControllerRevision","apiVersion":"apps/v1","metadata":{"name":"r"},"data":{"spec":{"a":[1,"x"]}},"revision":2}""",
            ProtobufJsonDecoder.DecodeObject(revision));
    }

    [Fact]
    public void DecodeObject_ExtraValueAndPackedScalars_Decode()
    {
        var review = new ProtoWriter()
            .Message(1, new ProtoWriter())
            .Message(2, new ProtoWriter()
                .String(3, "bob")
                .MapEntry(5, "scopes", new ProtoWriter().String(1, "a").String(1, "b")))
            .Envelope("authorization.k8s.io/v1", "SubjectAccessReview");
        // Job.spec.podFailurePolicy.rules[].onExitCodes.values is repeated int32: accept it packed too.
        var job = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "j"))
            .Message(2, new ProtoWriter().Message(11, new ProtoWriter().Message(1, new ProtoWriter()
                .String(1, "FailJob")
                .Message(2, new ProtoWriter().String(2, "In").Bytes(3, [1, 2, 0x7f])))))
            .Envelope("batch/v1", "Job");

        JsonAssert.Equal(
            """
            {"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},
             "spec":{"user":"bob","extra":{"scopes":["a","b"]}}}
            """,
            ProtobufJsonDecoder.DecodeObject(review));
        JsonAssert.Equal(
            """
            {"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j"},
             "spec":{"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1,2,127]}}]}}}
            """,
            ProtobufJsonDecoder.DecodeObject(job));
    }

    [Fact]
    public void DecodeObject_UnknownFields_AreSkipped()
    {
        var body = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, "cm").Fixed64(99, 7).Varint(100, 3))
            .MapEntry(2, "k", "v")
            .String(50, "future")
            .Envelope("v1", "ConfigMap");

        JsonAssert.Equal(
            """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm"},"data":{"k":"v"}}""",
            ProtobufJsonDecoder.DecodeObject(body));
    }

    [Fact]
    public void DecodeObject_RawExtensionHoldingProtobuf_DecodesTheEmbeddedObject()
    {
        var inner = new ProtoWriter().Message(1, new ProtoWriter().String(1, "cm")).MapEntry(2, "k", "v").Envelope("v1", "ConfigMap");
        var body = new ProtoWriter().Message(1, new ProtoWriter().String(1, "r")).Message(2, new ProtoWriter().Bytes(1, inner)).Varint(3, 1)
            .Envelope("apps/v1", "ControllerRevision");

        JsonAssert.Equal(
            """
            {"kind":"ControllerRevision","apiVersion":"apps/v1","metadata":{"name":"r"},"revision":1,
             "data":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm"},"data":{"k":"v"}}}
            """,
            ProtobufJsonDecoder.DecodeObject(body));
    }

    [Fact]
    public void Decode_DeeplyNestedRawExtensions_Is400()
    {
        var body = new ProtoWriter().Envelope("apps/v1", "ControllerRevision");
        for (var i = 0; i < 500; i++)
        {
            body = new ProtoWriter().Message(2, new ProtoWriter().Bytes(1, body)).Envelope("apps/v1", "ControllerRevision");
        }

        var ex = Assert.Throws<ApiException>(() => ProtobufBodies.Decode(body));

        Assert.Equal(400, ex.Code);
    }

    [Fact]
    public void Decode_UnknownKind_Is415()
    {
        var body = new ProtoWriter().Envelope("example.com/v1", "Widget");

        var ex = Assert.Throws<ApiException>(() => ProtobufBodies.Decode(body));

        Assert.Equal(415, ex.Code);
    }

    [Theory]
    [InlineData("6b387300")]
    [InlineData("6b3873000a")]
    [InlineData("6b3873000a0f0a027631120943")]
    [InlineData("7b7d")]
    public void Decode_MalformedBytes_Is400(string hex)
    {
        var ex = Assert.Throws<ApiException>(() => ProtobufBodies.Decode(Convert.FromHexString(hex)));

        Assert.Equal(400, ex.Code);
    }
}
