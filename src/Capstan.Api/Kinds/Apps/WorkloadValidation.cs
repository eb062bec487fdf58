using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Apps;

/// <summary>What the replicated workloads share: a required non-empty selector that matches the template's labels, and a template that restarts Always.</summary>
public static class WorkloadValidation
{
    public const string SelectorMismatch = "`selector` does not match template `labels`";

    /// <summary>
    /// spec.selector and spec.template of a Deployment, ReplicaSet, StatefulSet or DaemonSet. <paramref name="kindWord"/> words the
    /// empty-selector error ("deployment" also for ReplicaSets, as Kubernetes has it), <paramref name="ownerWord"/> the activeDeadlineSeconds one.
    /// StatefulSets check only the template's metadata, not its pod spec, as Kubernetes does.
    /// </summary>
    public static void ValidateSelectorAndTemplate(JsonObject spec, string kindWord, string ownerWord, List<FieldError> errs,
        bool requireSelector = true, bool validatePodSpec = true)
    {
        var selector = spec.Obj("selector");
        if (selector is null)
        {
            if (requireSelector)
            {
                errs.Add(FieldError.Required("spec.selector"));
            }
        }
        else
        {
            errs.AddRange(LabelSelectorValidation.Validate(selector, "spec.selector"));
            if (LabelSelectorValidation.IsEmpty(selector))
            {
                errs.Add(FieldError.Invalid("spec.selector", selector, $"empty selector is invalid for {kindWord}"));
            }
        }

        var template = spec.Obj("template");
        if (template is null)
        {
            errs.Add(FieldError.Required("spec.template"));
            return;
        }

        // A missing selector selects nothing, so no template can match it.
        if (selector is null && !requireSelector)
        {
            errs.Add(FieldError.Invalid("spec.template.metadata.labels", (JsonNode?)template.Obj("metadata")?.Obj("labels")?.DeepClone() ?? new JsonObject(), SelectorMismatch));
        }

        ValidateTemplateLabels(selector, template, errs);
        errs.AddRange(validatePodSpec
            ? PodSpecValidation.ValidateTemplate(template, "spec.template")
            : ObjectMetaValidation.ValidateTemplateMeta(template.Obj("metadata"), "spec.template.metadata"));

        var templateSpec = template.Obj("spec") ?? new JsonObject();
        var restart = templateSpec.StrOrEmpty("restartPolicy");
        if (restart != "Always")
        {
            errs.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restart, ["Always"]));
        }

        if (templateSpec.Has("activeDeadlineSeconds"))
        {
            errs.Add(FieldError.Forbidden("spec.template.spec.activeDeadlineSeconds", $"activeDeadlineSeconds in {ownerWord} is not Supported"));
        }
    }

    /// <summary>A non-empty selector must select the template's labels.</summary>
    public static void ValidateTemplateLabels(JsonObject? selector, JsonObject template, List<FieldError> errs)
    {
        var labels = template.Obj("metadata")?.Obj("labels");
        if (selector is not null && !LabelSelectorValidation.IsEmpty(selector) && !LabelSelectorValidation.Matches(selector, labels))
        {
            errs.Add(FieldError.Invalid("spec.template.metadata.labels", (JsonNode?)labels?.DeepClone() ?? new JsonObject(), SelectorMismatch));
        }
    }

    /// <summary>Rolling update's maxUnavailable and maxSurge: counts or percentages up to 100%, not both zero.</summary>
    public static void ValidateRollingUpdate(JsonObject rolling, string path, List<FieldError> errs)
    {
        var maxUnavailable = rolling["maxUnavailable"];
        var maxSurge = rolling["maxSurge"];
        errs.AddRange(IntOrPercent.ValidateNonNegative(maxUnavailable, path + ".maxUnavailable"));
        errs.AddRange(IntOrPercent.ValidateNonNegative(maxSurge, path + ".maxSurge"));
        if (IntOrPercent.NumberOf(maxUnavailable) == 0 && IntOrPercent.NumberOf(maxSurge) == 0)
        {
            errs.Add(FieldError.Invalid(path + ".maxUnavailable", FieldRules.ValueForMessage(maxUnavailable), "may not be 0 when `maxSurge` is 0"));
        }

        errs.AddRange(IntOrPercent.ValidateAtMost100Percent(maxUnavailable, path + ".maxUnavailable"));
    }
}
