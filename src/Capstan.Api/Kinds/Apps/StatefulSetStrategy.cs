using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

public sealed class StatefulSetStrategy : KindStrategy
{
    public const string UpdateForbidden =
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    private static readonly string[] MutableFields = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

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
        errs.AddRange(FieldRules.OneOf(spec, "podManagementPolicy", "spec.podManagementPolicy", true, "OrderedReady", "Parallel"));
        var update = spec.Obj("updateStrategy") ?? new JsonObject();
        errs.AddRange(FieldRules.OneOf(update, "type", "spec.updateStrategy.type", true, "RollingUpdate", "OnDelete"));
        if (update.Str("type") == "OnDelete" && update.Has("rollingUpdate"))
        {
            errs.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate", update["rollingUpdate"], "only allowed for updateStrategy 'RollingUpdate'"));
        }

        if (update.Obj("rollingUpdate") is { } rolling)
        {
            errs.AddRange(FieldRules.NonNegative(rolling, "partition", "spec.updateStrategy.rollingUpdate.partition"));
            if (rolling["maxUnavailable"] is { } maxUnavailable)
            {
                errs.AddRange(IntOrPercent.ValidateNonNegative(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable"));
                if (IntOrPercent.NumberOf(maxUnavailable) == 0)
                {
                    errs.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", FieldRules.ValueForMessage(maxUnavailable), "must be greater than 0"));
                }
            }
        }

        if (spec.Obj("persistentVolumeClaimRetentionPolicy") is { } retention)
        {
            errs.AddRange(FieldRules.OneOf(retention, "whenDeleted", "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", true, "Retain", "Delete"));
            errs.AddRange(FieldRules.OneOf(retention, "whenScaled", "spec.persistentVolumeClaimRetentionPolicy.whenScaled", true, "Retain", "Delete"));
        }

        errs.AddRange(FieldRules.NonNegative(spec, "replicas", "spec.replicas"));
        errs.AddRange(FieldRules.NonNegative(spec, "minReadySeconds", "spec.minReadySeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit"));
        if (spec.Obj("ordinals") is { } ordinals)
        {
            errs.AddRange(FieldRules.NonNegative(ordinals, "start", "spec.ordinals.start"));
        }

        WorkloadValidation.ValidateSelectorAndTemplate(spec, "statefulset", errs);
        foreach (var (i, claim) in spec.Items("volumeClaimTemplates"))
        {
            PersistentVolumeClaimStrategy.ValidateClaimSpec(claim.Obj("spec") ?? new JsonObject(), $"spec.volumeClaimTemplates[{i}].spec", errs);
        }
    }

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
