using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Kubernetes' validateAffinity: node selector terms and requirements, pod (anti-)affinity terms and weights.</summary>
public static class AffinityValidation
{
    public static void Validate(JsonObject? affinity, string path, List<FieldError> errs)
    {
        if (affinity is null)
        {
            return;
        }

        if (affinity.Obj("nodeAffinity") is { } node)
        {
            var nodePath = path + ".nodeAffinity";
            if (node.Obj("requiredDuringSchedulingIgnoredDuringExecution") is { } required)
            {
                var requiredPath = nodePath + ".requiredDuringSchedulingIgnoredDuringExecution";
                if (!required.HasEntries("nodeSelectorTerms"))
                {
                    errs.Add(FieldError.Required(requiredPath + ".nodeSelectorTerms", "must have at least one node selector term"));
                }

                foreach (var (i, term) in required.Items("nodeSelectorTerms"))
                {
                    ValidateTerm(term, $"{requiredPath}.nodeSelectorTerms[{i}]", errs);
                }
            }

            foreach (var (i, preferred) in node.Items("preferredDuringSchedulingIgnoredDuringExecution"))
            {
                var pPath = $"{nodePath}.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
                ValidateWeight(preferred, pPath, errs);
                ValidateTerm(preferred.Obj("preference") ?? new JsonObject(), pPath + ".preference", errs);
            }
        }

        foreach (var kind in new[] { "podAffinity", "podAntiAffinity" })
        {
            if (affinity.Obj(kind) is not { } pod)
            {
                continue;
            }

            var podPath = $"{path}.{kind}";
            foreach (var (i, term) in pod.Items("requiredDuringSchedulingIgnoredDuringExecution"))
            {
                ValidatePodTerm(term, $"{podPath}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", errs);
            }

            foreach (var (i, weighted) in pod.Items("preferredDuringSchedulingIgnoredDuringExecution"))
            {
                var wPath = $"{podPath}.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
                ValidateWeight(weighted, wPath, errs);
                ValidatePodTerm(weighted.Obj("podAffinityTerm") ?? new JsonObject(), wPath + ".podAffinityTerm", errs);
            }
        }
    }

    private static void ValidateWeight(JsonObject weighted, string path, List<FieldError> errs)
    {
        var weight = weighted.Long("weight") ?? 0;
        if (weight is < 1 or > 100)
        {
            errs.Add(FieldError.Invalid(path + ".weight", weight, "must be in the range 1-100"));
        }
    }

    private static void ValidatePodTerm(JsonObject term, string path, List<FieldError> errs)
    {
        errs.AddRange(LabelSelectorValidation.Validate(term.Obj("labelSelector"), path + ".labelSelector"));
        errs.AddRange(LabelSelectorValidation.Validate(term.Obj("namespaceSelector"), path + ".namespaceSelector"));
        foreach (var ns in term.Strings("namespaces"))
        {
            errs.AddRange(NameFormats.IsDns1123Label(ns).Select(m => FieldError.Invalid(path + ".namespace", ns, m)));
        }

        var key = term.StrOrEmpty("topologyKey");
        if (key.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".topologyKey", "can not be empty"));
        }
        else
        {
            errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(path + ".topologyKey", key, m)));
        }
    }

    /// <summary>A node selector term: matchExpressions on labels, matchFields on metadata.name.</summary>
    public static void ValidateTerm(JsonObject term, string path, List<FieldError> errs)
    {
        foreach (var (i, requirement) in term.Items("matchExpressions"))
        {
            var rPath = $"{path}.matchExpressions[{i}]";
            ValidateRequirement(requirement, rPath, errs);
            var key = requirement.StrOrEmpty("key");
            errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(rPath + ".key", key, m)));
        }

        foreach (var (i, requirement) in term.Items("matchFields"))
        {
            var rPath = $"{path}.matchFields[{i}]";
            var key = requirement.StrOrEmpty("key");
            if (key != "metadata.name")
            {
                errs.Add(FieldError.Invalid(rPath + ".key", key, "not a valid field selector key"));
            }

            var op = requirement.StrOrEmpty("operator");
            if (op is "In" or "NotIn")
            {
                if (requirement.Strings("values").Count != 1)
                {
                    errs.Add(FieldError.Required(rPath + ".values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
                }
            }
            else
            {
                errs.Add(FieldError.Invalid(rPath + ".operator", op, "not a valid selector operator"));
            }
        }
    }

    private static void ValidateRequirement(JsonObject requirement, string path, List<FieldError> errs)
    {
        var values = requirement.Strings("values");
        var op = requirement.StrOrEmpty("operator");
        switch (op)
        {
            case "In" or "NotIn":
                if (values.Count == 0)
                {
                    errs.Add(FieldError.Required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                }

                break;
            case "Exists" or "DoesNotExist":
                if (values.Count > 0)
                {
                    errs.Add(FieldError.Forbidden(path + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                }

                break;
            case "Gt" or "Lt":
                if (values.Count != 1)
                {
                    errs.Add(FieldError.Required(path + ".values", "must be specified single value when `operator` is 'Lt' or 'Gt'"));
                }
                else if (!long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    errs.Add(FieldError.Invalid(path + ".values[0]", values[0], "must be an integer"));
                }

                break;
            default:
                errs.Add(FieldError.Invalid(path + ".operator", op, "not a valid selector operator"));
                break;
        }
    }
}
