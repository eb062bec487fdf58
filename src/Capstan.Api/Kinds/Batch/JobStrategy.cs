using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Batch;

/// <summary>Jobs: SetDefaults_Job, a selector generated from the uid (unless manualSelector), and validateJobSpec.</summary>
public sealed class JobStrategy : KindStrategy
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string LegacyJobNameLabel = "job-name";

    public override string Group => "batch";

    public override string Kind => "Job";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        if (!spec.Has("completions") && !spec.Has("parallelism"))
        {
            spec["completions"] = 1;
            spec["parallelism"] = 1;
        }

        spec.SetDefault("parallelism", 1);
        spec.SetDefault("backoffLimit", spec.Has("backoffLimitPerIndex") ? int.MaxValue : 6);
        spec.SetDefault("completionMode", "NonIndexed");
        spec.SetDefault("suspend", false);
        foreach (var (_, rule) in (spec.Obj("podFailurePolicy") ?? new JsonObject()).Items("rules"))
        {
            foreach (var (_, pattern) in rule.Items("onPodConditions"))
            {
                pattern.SetDefaultString("status", "True");
            }
        }

        spec.SetDefault("podReplacementPolicy", spec.Has("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");

        // The job takes its template's labels when it has none of its own.
        if (spec.Obj("template")?.Obj("metadata")?.Obj("labels") is { } labels
            && obj.Obj("metadata")?.Obj("labels") is not { Count: > 0 })
        {
            obj.EnsureObj("metadata")["labels"] = labels.DeepClone();
        }

        PodSpecDefaults.ApplyTemplate(spec);
    }

    /// <summary>
    /// Generates the selector and template labels from metadata.uid, as Kubernetes does before validating a new Job.
    /// The server must have assigned the uid before calling this.
    /// </summary>
    public override void PrepareForCreate(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        var meta = obj.Obj("metadata");
        if (spec.Bool("manualSelector") == true || meta?.Str("uid") is not { Length: > 0 } uid)
        {
            return;
        }

        var name = meta.StrOrEmpty("name");
        var labels = spec.EnsureObj("template").EnsureObj("metadata").EnsureObj("labels");
        labels.SetDefault(LegacyControllerUidLabel, uid);
        labels.SetDefault(LegacyJobNameLabel, name);
        labels.SetDefault(ControllerUidLabel, uid);
        labels.SetDefault(JobNameLabel, name);
        if (!spec.Has("selector"))
        {
            spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ControllerUidLabel] = uid } };
        }

        // Kubernetes re-applies defaults whenever it reads a Job, so a Job without labels shows its template's, generated ones included.
        if (meta.Obj("labels") is not { Count: > 0 })
        {
            meta["labels"] = labels.DeepClone();
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs) =>
        JobSpecValidation.Validate(obj.Obj("spec") ?? new JsonObject(), "spec", requireSelector: true, errs);

    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old)
    {
        var status = obj.Obj("status") ?? new JsonObject();
        return new[] { "active", "succeeded", "failed", "ready", "terminating" }
            .SelectMany(f => FieldRules.NonNegative(status, f, "status." + f))
            .ToList();
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "selector", "spec.selector"));
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "completionMode", "spec.completionMode"));
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "podFailurePolicy", "spec.podFailurePolicy"));
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "backoffLimitPerIndex", "spec.backoffLimitPerIndex"));
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "managedBy", "spec.managedBy"));
        errs.AddRange(FieldRules.Immutable(spec, oldSpec, "successPolicy", "spec.successPolicy"));

        // Elastic indexed jobs may scale completions together with parallelism.
        var elastic = spec.Str("completionMode") == "Indexed" && spec.Long("completions") == spec.Long("parallelism")
            && oldSpec.Long("completions") == oldSpec.Long("parallelism");
        if (!elastic)
        {
            errs.AddRange(FieldRules.Immutable(spec, oldSpec, "completions", "spec.completions"));
        }

        // A suspended job that never started may change its pod's scheduling directives.
        var template = (JsonObject?)spec.Obj("template")?.DeepClone() ?? new JsonObject();
        var oldTemplate = (JsonObject?)oldSpec.Obj("template")?.DeepClone() ?? new JsonObject();
        if (oldSpec.Bool("suspend") == true && old.Obj("status")?.Has("startTime") != true)
        {
            foreach (var t in new[] { template, oldTemplate })
            {
                t.Obj("metadata")?.Remove("labels");
                t.Obj("metadata")?.Remove("annotations");
                foreach (var field in new[] { "nodeSelector", "tolerations", "schedulingGates" })
                {
                    t.Obj("spec")?.Remove(field);
                }

                // Only node affinity is a scheduling directive; pod (anti-)affinity stays fixed.
                if (t.Obj("spec")?.Obj("affinity") is { } affinity)
                {
                    affinity.Remove("nodeAffinity");
                    if (affinity.Count == 0)
                    {
                        t.Obj("spec")!.Remove("affinity");
                    }
                }
            }
        }

        if (!JsonAccess.SameAs(template, oldTemplate))
        {
            errs.Add(FieldError.Invalid("spec.template", spec["template"]?.DeepClone(), ObjectMetaValidation.FieldImmutable));
        }
    }
}
