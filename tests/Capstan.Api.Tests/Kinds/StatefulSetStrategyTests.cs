using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class StatefulSetStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("apps", "StatefulSet")!;

    private static JsonObject StatefulSet()
    {
        var obj = Json.Parse("""
            {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"default"},
             "spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
                     "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:17"}]}},
                     "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}
            """);
        Strategy.Default(obj);
        return obj;
    }

    [Theory]
    [InlineData("spec.replicas", "1")]
    [InlineData("spec.podManagementPolicy", "\"OrderedReady\"")]
    [InlineData("spec.updateStrategy", "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}")]
    [InlineData("spec.revisionHistoryLimit", "10")]
    [InlineData("spec.persistentVolumeClaimRetentionPolicy", "{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}")]
    [InlineData("spec.volumeClaimTemplates[0].spec.volumeMode", "\"Filesystem\"")]
    [InlineData("spec.volumeClaimTemplates[0].status.phase", "\"Pending\"")]
    public void Default_GetsDefaults(string path, string expected)
    {
        var sts = StatefulSet();
        Assert.Equal(expected, Json.Text(sts, path));
        Assert.Empty(Strategy.Validate(sts, null));
    }

    [Fact]
    public void ValidateUpdate_ReplicasAndTemplate_Allowed()
    {
        var old = StatefulSet();
        var sts = (JsonObject)old.DeepClone();
        sts["spec"]!["replicas"] = 3;
        sts["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "postgres:18";
        Assert.Empty(Strategy.Validate(sts, old));
    }

    [Fact]
    public void ValidateUpdate_ServiceName_Forbidden()
    {
        var old = StatefulSet();
        var sts = (JsonObject)old.DeepClone();
        sts["spec"]!["serviceName"] = "other";
        var err = Assert.Single(Strategy.Validate(sts, old));
        Assert.Equal(("spec", "FieldValueForbidden"), (err.Field, err.Reason));
    }

    [Fact]
    public void Validate_TemplatePodSpecNotChecked_AsKubernetes()
    {
        var sts = StatefulSet();
        sts["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject().Remove("image");
        Assert.Empty(Strategy.Validate(sts, null));
    }

    [Fact]
    public void Validate_ActiveDeadline_Forbidden()
    {
        var sts = StatefulSet();
        sts["spec"]!["template"]!["spec"]!["activeDeadlineSeconds"] = 5;
        var err = Assert.Single(Strategy.Validate(sts, null));
        Assert.Equal("activeDeadlineSeconds in StatefulSet is not Supported", err.Detail);
    }

    [Fact]
    public void Validate_PodManagementPolicyUnknown_NotSupported()
    {
        var sts = StatefulSet();
        sts["spec"]!["podManagementPolicy"] = "Random";
        Assert.Equal("spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'", Assert.Single(Strategy.Validate(sts, null)).ToString());
    }
}
