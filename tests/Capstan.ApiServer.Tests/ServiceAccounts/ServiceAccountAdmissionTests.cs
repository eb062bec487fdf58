using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Admission;

namespace Capstan.ApiServer.Tests.ServiceAccounts;

public sealed class ServiceAccountAdmissionTests
{
    private static readonly ResourceInfo Pods = ResourceRegistry.BuiltIn.FindKind("", "Pod")!;

    private static JsonObject Pod(string extraSpec = "") => JsonNode.Parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{" + extraSpec
        + "\"initContainers\":[{\"name\":\"init\",\"image\":\"i\"}],"
        + "\"containers\":[{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\",\"image\":\"i\",\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/data\"}]}]}}")!.AsObject();

    private static ServiceAccountAdmission Admission(JsonObject? account) => new((ns, name) => ns == "ns" && name == "default" ? account : null);

    [Fact]
    public void AdmitCreate_DefaultAccount_AddsKubeApiAccessVolumeToEveryContainer()
    {
        var pod = Pod();

        Admission(new JsonObject()).AdmitCreate(Pods, pod);

        var spec = pod["spec"]!;
        Assert.Equal("default", spec["serviceAccountName"]!.GetValue<string>());
        var volume = Assert.Single(spec["volumes"]!.AsArray())!;
        var name = volume["name"]!.GetValue<string>();
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        var sources = volume["projected"]!["sources"]!.AsArray();
        Assert.Equal(3607, sources[0]!["serviceAccountToken"]!["expirationSeconds"]!.GetValue<long>());
        Assert.Equal("token", sources[0]!["serviceAccountToken"]!["path"]!.GetValue<string>());
        Assert.Equal("kube-root-ca.crt", sources[1]!["configMap"]!["name"]!.GetValue<string>());
        Assert.Equal("metadata.namespace", sources[2]!["downwardAPI"]!["items"]![0]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        Assert.Equal(420, volume["projected"]!["defaultMode"]!.GetValue<int>());
        foreach (var container in spec["containers"]!.AsArray().Concat(spec["initContainers"]!.AsArray()))
        {
            Assert.Contains(container!["volumeMounts"]!.AsArray(), m =>
                m!["name"]!.GetValue<string>() == name && m["mountPath"]!.GetValue<string>() == ServiceAccountAdmission.MountPath && m["readOnly"]!.GetValue<bool>());
        }
    }

    [Fact]
    public void AdmitCreate_PodOptsOut_NoVolume()
    {
        var pod = Pod("\"automountServiceAccountToken\":false,");

        Admission(new JsonObject()).AdmitCreate(Pods, pod);

        Assert.Null(pod["spec"]!["volumes"]);
        Assert.Equal("default", pod["spec"]!["serviceAccountName"]!.GetValue<string>());
    }

    [Fact]
    public void AdmitCreate_AccountOptsOut_NoVolumeUnlessPodOptsIn()
    {
        var account = new JsonObject { ["automountServiceAccountToken"] = false };
        var plain = Pod();
        var optedIn = Pod("\"automountServiceAccountToken\":true,");

        Admission(account).AdmitCreate(Pods, plain);
        Admission(account).AdmitCreate(Pods, optedIn);

        Assert.Null(plain["spec"]!["volumes"]);
        Assert.Single(optedIn["spec"]!["volumes"]!.AsArray());
    }

    [Fact]
    public void AdmitCreate_AccountMissing_DefaultsNameOnly()
    {
        var pod = Pod("\"serviceAccountName\":\"builder\",");

        Admission(new JsonObject()).AdmitCreate(Pods, pod);

        Assert.Equal("builder", pod["spec"]!["serviceAccountName"]!.GetValue<string>());
        Assert.Null(pod["spec"]!["volumes"]);
    }

    [Fact]
    public void AdmitCreate_OwnMountAtTokenPath_LeftAlone()
    {
        var pod = Pod();
        pod["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "mine", ["mountPath"] = ServiceAccountAdmission.MountPath });

        Admission(new JsonObject()).AdmitCreate(Pods, pod);

        Assert.Null(pod["spec"]!["volumes"]);
    }
}
