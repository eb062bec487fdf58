using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Apps;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Batch;

/// <summary>Kubernetes' validateJobSpec, shared by Jobs and CronJobs' job templates.</summary>
public static class JobSpecValidation
{
    public const int MaxParallelismForIndexedJob = 100000;

    /// <summary>Validates a job spec at <paramref name="path"/>; a Job proper also needs a selector matching its template.</summary>
    public static void Validate(JsonObject spec, string path, bool requireSelector, List<FieldError> errs)
    {
        errs.AddRange(FieldRules.NonNegative(spec, "parallelism", path + ".parallelism"));
        errs.AddRange(FieldRules.NonNegative(spec, "completions", path + ".completions"));
        errs.AddRange(FieldRules.NonNegative(spec, "activeDeadlineSeconds", path + ".activeDeadlineSeconds"));
        errs.AddRange(FieldRules.NonNegative(spec, "backoffLimit", path + ".backoffLimit"));
        errs.AddRange(FieldRules.NonNegative(spec, "ttlSecondsAfterFinished", path + ".ttlSecondsAfterFinished"));
        errs.AddRange(FieldRules.NonNegative(spec, "backoffLimitPerIndex", path + ".backoffLimitPerIndex"));

        var mode = spec.Str("completionMode");
        if (mode is not null && mode is not ("NonIndexed" or "Indexed"))
        {
            errs.Add(FieldError.NotSupported(path + ".completionMode", mode, ["NonIndexed", "Indexed"]));
        }

        if (mode == "Indexed")
        {
            if (spec.Long("completions") is not { } completions)
            {
                errs.Add(FieldError.Required(path + ".completions", "when completion mode is Indexed"));
            }
            else if (completions > MaxParallelismForIndexedJob)
            {
                errs.Add(FieldError.Invalid(path + ".completions", completions, $"must be less than or equal to {MaxParallelismForIndexedJob} when completion mode is Indexed"));
            }

            if (spec.Long("parallelism") is > MaxParallelismForIndexedJob and var parallelism)
            {
                errs.Add(FieldError.Invalid(path + ".parallelism", parallelism, $"must be less than or equal to {MaxParallelismForIndexedJob} when completion mode is Indexed"));
            }
        }
        else
        {
            foreach (var field in new[] { "backoffLimitPerIndex", "maxFailedIndexes" })
            {
                if (spec.Long(field) is { } value)
                {
                    errs.Add(FieldError.Invalid($"{path}.{field}", value, "requires indexed completion mode"));
                }
            }
        }

        if (spec.Has("maxFailedIndexes") && !spec.Has("backoffLimitPerIndex"))
        {
            errs.Add(FieldError.Required(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified"));
        }

        errs.AddRange(FieldRules.NonNegative(spec, "maxFailedIndexes", path + ".maxFailedIndexes"));

        var replacement = spec.Str("podReplacementPolicy");
        if (replacement is not null)
        {
            if (spec.Has("podFailurePolicy") && replacement != "Failed")
            {
                errs.Add(FieldError.NotSupported(path + ".podReplacementPolicy", replacement, ["Failed"]));
            }
            else if (replacement is not ("TerminatingOrFailed" or "Failed"))
            {
                errs.Add(FieldError.NotSupported(path + ".podReplacementPolicy", replacement, ["TerminatingOrFailed", "Failed"]));
            }
        }

        var selector = spec.Obj("selector");
        if (requireSelector)
        {
            if (selector is null)
            {
                errs.Add(FieldError.Required(path + ".selector"));
            }
            else
            {
                errs.AddRange(LabelSelectorValidation.Validate(selector, path + ".selector"));
            }
        }

        var template = spec.Obj("template");
        errs.AddRange(PodSpecValidation.ValidateTemplate(template, path + ".template"));
        if (template is null)
        {
            return;
        }

        if (requireSelector && selector is not null && !LabelSelectorValidation.Matches(selector, template.Obj("metadata")?.Obj("labels")))
        {
            errs.Add(FieldError.Invalid(path + ".template.metadata.labels",
                (JsonNode?)template.Obj("metadata")?.Obj("labels")?.DeepClone() ?? new JsonObject(), WorkloadValidation.SelectorMismatch));
        }

        // An unset restartPolicy has been defaulted to Always, so both read as "not chosen".
        var restart = template.Obj("spec")?.StrOrEmpty("restartPolicy") ?? "";
        if (restart is "" or "Always")
        {
            errs.Add(FieldError.Required(path + ".template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""));
        }
        else if (restart is not ("OnFailure" or "Never"))
        {
            errs.Add(FieldError.NotSupported(path + ".template.spec.restartPolicy", restart, ["OnFailure", "Never"]));
        }
        else if (spec.Has("podFailurePolicy") && restart != "Never")
        {
            errs.Add(FieldError.Invalid(path + ".template.spec.restartPolicy", restart, "only \"Never\" is supported when podFailurePolicy is specified"));
        }
    }
}
