using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class StatefulSetStrategy : KindStrategy
{
    public const string UpdateForbidden =
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    private static readonly string[] MutableFields = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

    public override string Group => "apps";

    public override string Kind => "StatefulSet";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefaultString("podManagementPolicy", "OrderedReady");
        var update = spec.EnsureObj("updateStrategy");
        update.SetDefaultString("type", "RollingUpdate");
        if (update.Str("type") == "RollingUpdate")
        {
            update.EnsureObj("rollingUpdate").SetDefault("partition", 0);
        }

        var retention = spec.EnsureObj("persistentVolumeClaimRetentionPolicy");
        retention.SetDefaultString("whenDeleted", "Retain");
        retention.SetDefaultString("whenScaled", "Retain");
        spec.SetDefault("replicas", 1);
        spec.SetDefault("revisionHistoryLimit", 10);
        PodSpecDefaults.ApplyTemplate(spec);
        foreach (var (_, claim) in spec.Items("volumeClaimTemplates"))
        {
            PersistentVolumeClaimStrategy.ApplyDefaults(claim);
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        switch (spec.StrOrEmpty("podManagementPolicy"))
        {
            case "OrderedReady" or "Parallel":
                break;
            case "":
                errs.Add(FieldError.Required("spec.podManagementPolicy"));
                break;
            case var policy:
                errs.Add(FieldError.Invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
                break;
        }

        var update = spec.Obj("updateStrategy") ?? new JsonObject();
        switch (update.StrOrEmpty("type"))
        {
            case "":
                errs.Add(FieldError.Required("spec.updateStrategy"));
                break;
            case "OnDelete":
                if (update.Has("rollingUpdate"))
                {
                    errs.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate", update["rollingUpdate"]!.DeepClone(), "only allowed for updateStrategy 'RollingUpdate'"));
                }

                break;
            case "RollingUpdate":
                if (update.Obj("rollingUpdate") is { } rolling)
                {
                    ValidateRollingUpdate(rolling, "spec.updateStrategy.rollingUpdate", errs);
                }

                break;
            default:
                errs.Add(FieldError.Invalid("spec.updateStrategy", update.DeepClone(), "must be 'RollingUpdate' or 'OnDelete'"));
                break;
        }

        if (spec.Obj("persistentVolumeClaimRetentionPolicy") is { } retention)
        {
            foreach (var field in new[] { "whenDeleted", "whenScaled" })
            {
                var value = retention.StrOrEmpty(field);
                if (value is not ("Retain" or "Delete"))
                {
                    errs.Add(FieldError.NotSupported("spec.persistentVolumeClaimRetentionPolicy." + field, value, ["Retain", "Delete"]));
                }
            }
        }

        errs.AddRange(FieldRules.NonNegative(spec, "replicas", "spec.replicas"));
        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit"));
        if (spec.Obj("ordinals") is { } ordinals)
        {
            errs.AddRange(FieldRules.NonNegative(ordinals, "start", "spec.ordinals.start"));
        }

        // Kubernetes validates only the template's metadata for StatefulSets (its pod spec is checked when the pods are created).
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "statefulset", "StatefulSet", errs, validatePodSpec: false);
    }

    private static void ValidateRollingUpdate(JsonObject rolling, string path, List<FieldError> errs)
    {
        errs.AddRange(FieldRules.NonNegative(rolling, "partition", path + ".partition"));
        if (rolling["maxUnavailable"] is { } maxUnavailable)
        {
            errs.AddRange(IntOrPercent.ValidateNonNegative(maxUnavailable, path + ".maxUnavailable"));
            if (IntOrPercent.NumberOf(maxUnavailable) == 0)
            {
                errs.Add(FieldError.Invalid(path + ".maxUnavailable", FieldRules.ValueForMessage(maxUnavailable), "cannot be 0"));
            }

            errs.AddRange(IntOrPercent.ValidateAtMost100Percent(maxUnavailable, path + ".maxUnavailable"));
        }
    }

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old) =>
        WorkloadStatusValidation.Validate(obj, old,
            ["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"],
            ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"], "cannot be greater than status.replicas",
            "cannot be greater than status.readyReplicas");

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = (JsonObject?)obj.Obj("spec")?.DeepClone() ?? new JsonObject();
        var oldSpec = (JsonObject?)old.Obj("spec")?.DeepClone() ?? new JsonObject();
        foreach (var field in MutableFields)
        {
            spec.Remove(field);
            oldSpec.Remove(field);
        }

        if (!JsonAccess.SameAs(spec, oldSpec))
        {
            errs.Add(FieldError.Forbidden("spec", UpdateForbidden));
        }
    }
}
