using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class StorageKindsTests
{
    private static readonly IKindStrategy Pvc = KindStrategies.Find("", "PersistentVolumeClaim")!;
    private static readonly IKindStrategy Pv = KindStrategies.Find("", "PersistentVolume")!;
    private static readonly IKindStrategy StorageClass = KindStrategies.Find("storage.k8s.io", "StorageClass")!;

    private static JsonObject Claim(string spec)
    {
        var obj = Json.Parse("""{"metadata":{"name":"c","namespace":"a"},"spec":""" + spec + "}");
        Pvc.Default(obj);
        return obj;
    }

    [Fact]
    public void Pvc_Default_FilesystemPending()
    {
        var pvc = Claim("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1024Mi"}}}""");
        Assert.Equal("\"Filesystem\"", Json.Text(pvc, "spec.volumeMode"));
        Assert.Equal("\"Pending\"", Json.Text(pvc, "status.phase"));
        Assert.Equal("\"1Gi\"", Json.Text(pvc, "spec.resources.requests.storage"));
        Assert.Empty(Pvc.Validate(pvc, null));
    }

    [Theory]
    [InlineData("""{"resources":{"requests":{"storage":"1Gi"}}}""", "spec.accessModes:FieldValueRequired")]
    [InlineData("""{"accessModes":["ReadWriteSometimes"],"resources":{"requests":{"storage":"1Gi"}}}""", "spec.accessModes:FieldValueNotSupported")]
    [InlineData("""{"accessModes":["ReadWriteOnce"]}""", "spec.resources[storage]:FieldValueRequired")]
    [InlineData("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"0"}}}""", "spec.resources[storage]:FieldValueInvalid")]
    public void Pvc_Bad(string spec, string expected) => Assert.Contains(expected, Json.Fields(Pvc.Validate(Claim(spec), null)));

    [Fact]
    public void Pvc_BoundResize_AllowedButNotShrink()
    {
        var old = Bound(Claim("""{"accessModes":["ReadWriteOnce"],"volumeName":"pv1","resources":{"requests":{"storage":"1Gi"}}}"""));
        var grown = Bound(Claim("""{"accessModes":["ReadWriteOnce"],"volumeName":"pv1","resources":{"requests":{"storage":"2Gi"}}}"""));
        var shrunk = Bound(Claim("""{"accessModes":["ReadWriteOnce"],"volumeName":"pv1","resources":{"requests":{"storage":"512Mi"}}}"""));
        Assert.Empty(Pvc.Validate(grown, old));
        Assert.Equal(["spec.resources.requests.storage:FieldValueForbidden"], Json.Fields(Pvc.Validate(shrunk, old)));
    }

    private static JsonObject Bound(JsonObject claim)
    {
        claim["status"] = new JsonObject { ["phase"] = "Bound" };
        return claim;
    }

    [Fact]
    public void Pvc_UnboundResize_Forbidden()
    {
        var old = Claim("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}""");
        var pvc = Claim("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"2Gi"}}}""");
        Assert.Equal(["spec:FieldValueForbidden"], Json.Fields(Pvc.Validate(pvc, old)));
    }

    [Fact]
    public void Pvc_BinderSetsVolumeName_Allowed()
    {
        var old = Claim("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}""");
        var pvc = Claim("""{"accessModes":["ReadWriteOnce"],"volumeName":"pv1","storageClassName":"local","resources":{"requests":{"storage":"1024Mi"}}}""");
        Assert.Empty(Pvc.Validate(pvc, old));
    }

    [Fact]
    public void Pvc_AccessModesChanged_Forbidden()
    {
        var old = Claim("""{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}""");
        var pvc = Claim("""{"accessModes":["ReadWriteMany"],"resources":{"requests":{"storage":"1Gi"}}}""");
        Assert.Equal(["spec:FieldValueForbidden"], Json.Fields(Pvc.Validate(pvc, old)));
    }

    [Fact]
    public void Pv_Default_RetainFilesystem()
    {
        var pv = Json.Parse("""{"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data"}}}""");
        Pv.Default(pv);
        Assert.Equal("\"Retain\"", Json.Text(pv, "spec.persistentVolumeReclaimPolicy"));
        Assert.Equal("\"Filesystem\"", Json.Text(pv, "spec.volumeMode"));
        Assert.Empty(Pv.Validate(pv, null));
    }

    [Fact]
    public void Pv_NoSource_Required()
    {
        var pv = Json.Parse("""{"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"]}}""");
        Pv.Default(pv);
        Assert.Equal(["spec:FieldValueRequired"], Json.Fields(Pv.Validate(pv, null)));
    }

    [Fact]
    public void StorageClass_DefaultsAndImmutability()
    {
        var sc = Json.Parse("""{"metadata":{"name":"local"},"provisioner":"capstan.io/local-path","parameters":{"a":"1"}}""");
        StorageClass.Default(sc);
        Assert.Equal("\"Delete\"", Json.Text(sc, "reclaimPolicy"));
        Assert.Equal("\"Immediate\"", Json.Text(sc, "volumeBindingMode"));
        Assert.Empty(StorageClass.Validate(sc, null));

        var changed = (JsonObject)sc.DeepClone();
        changed["parameters"]!["a"] = "2";
        changed["provisioner"] = "other.io/x";
        Assert.Equal(["parameters:FieldValueForbidden", "provisioner:FieldValueForbidden"], Json.Fields(StorageClass.Validate(changed, sc)));
    }

    [Fact]
    public void StorageClass_NoProvisioner_Required()
    {
        var sc = Json.Parse("""{"metadata":{"name":"x"}}""");
        StorageClass.Default(sc);
        Assert.Equal(["provisioner:FieldValueRequired"], Json.Fields(StorageClass.Validate(sc, null)));
    }
}
