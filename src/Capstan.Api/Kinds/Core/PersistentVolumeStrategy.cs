using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class PersistentVolumeStrategy : KindStrategy
{
    private static readonly string[] Sources =
    [
        "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc",
        "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
        "scaleIO", "local", "storageos", "csi",
    ];

    public override string Group => "";

    public override string Kind => "PersistentVolume";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefaultString("persistentVolumeReclaimPolicy", "Retain");
        spec.SetDefaultString("volumeMode", "Filesystem");
        if (spec.Obj("hostPath") is { } hostPath)
        {
            hostPath.SetDefault("type", "");
        }

        ResourceListValidation.Canonicalize(spec.Obj("capacity"));
        obj.EnsureObj("status").SetDefaultString("phase", "Pending");
    }

    /// <summary>A new volume starts Pending (Kubernetes shows the defaulted phase even though it clears status on create).</summary>
    public override void PrepareForCreate(JsonObject obj) => obj.EnsureObj("status").SetDefaultString("phase", "Pending");

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var modes = spec.Strings("accessModes");
        if (modes.Count == 0)
        {
            errs.Add(FieldError.Required("spec.accessModes"));
        }

        foreach (var mode in modes.Where(m => !PersistentVolumeClaimStrategy.AccessModes.Contains(m)))
        {
            errs.Add(FieldError.NotSupported("spec.accessModes", mode, PersistentVolumeClaimStrategy.AccessModes));
        }

        var capacity = spec.Obj("capacity");
        if (capacity is null || capacity.Count == 0)
        {
            errs.Add(FieldError.Required("spec.capacity"));
        }
        else if (!capacity.ContainsKey("storage") || capacity.Count > 1)
        {
            errs.Add(FieldError.NotSupported("spec.capacity", capacity, ["storage"]));
        }
        else
        {
            errs.AddRange(ResourceListValidation.ValidateQuantities(capacity, "spec.capacity"));
        }

        var present = Sources.Where(spec.Has).ToArray();
        if (present.Length == 0)
        {
            errs.Add(FieldError.Required("spec", "must specify a volume type"));
        }
        else if (present.Length > 1)
        {
            errs.Add(FieldError.Forbidden("spec." + present[1], "may not specify more than 1 volume type"));
        }

        if (spec.Obj("hostPath") is { } hostPath && hostPath.StrOrEmpty("path").Length == 0)
        {
            errs.Add(FieldError.Required("spec.hostPath.path"));
        }

        if (spec.Obj("local") is { } local && local.StrOrEmpty("path").Length == 0)
        {
            errs.Add(FieldError.Required("spec.local.path"));
        }

        if (spec.Obj("csi") is { } csi)
        {
            if (csi.StrOrEmpty("driver").Length == 0)
            {
                errs.Add(FieldError.Required("spec.csi.driver"));
            }

            if (csi.StrOrEmpty("volumeHandle").Length == 0)
            {
                errs.Add(FieldError.Required("spec.csi.volumeHandle"));
            }
        }

        errs.AddRange(FieldRules.OneOf(spec, "persistentVolumeReclaimPolicy", "spec.persistentVolumeReclaimPolicy", false, "Delete", "Recycle", "Retain"));
        errs.AddRange(FieldRules.OneOf(spec, "volumeMode", "spec.volumeMode", false, "Block", "Filesystem"));
        if (spec.Str("storageClassName") is { Length: > 0 } className)
        {
            errs.AddRange(NameFormats.IsDns1123Subdomain(className).Select(m => FieldError.Invalid("spec.storageClassName", className, m)));
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        if (Sources.Any(s => !JsonAccess.SameAs(spec[s], oldSpec[s])))
        {
            errs.Add(FieldError.Forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
        }

        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "volumeMode", "spec.volumeMode"));
        if (oldSpec.Has("nodeAffinity"))
        {
            errs.AddRange(FieldRules.Immutable(spec, oldSpec, "nodeAffinity", "spec.nodeAffinity"));
        }
    }
}
