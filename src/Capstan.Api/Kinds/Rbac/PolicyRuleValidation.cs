using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Rbac;

/// <summary>Kubernetes' ValidatePolicyRule and the role reference and subject rules of bindings.</summary>
public static class PolicyRuleValidation
{
    public const string RbacGroup = "rbac.authorization.k8s.io";

    public static void ValidateRules(JsonObject obj, bool namespaced, List<FieldError> errs)
    {
        foreach (var (i, rule) in obj.Items("rules"))
        {
            var path = $"rules[{i}]";
            if (!rule.HasEntries("verbs"))
            {
                errs.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
            }

            if (rule.HasEntries("nonResourceURLs"))
            {
                if (namespaced)
                {
                    errs.Add(FieldError.Invalid(path + ".nonResourceURLs", rule["nonResourceURLs"], "namespaced rules cannot apply to non-resource URLs"));
                }

                if (rule.HasEntries("apiGroups") || rule.HasEntries("resources") || rule.HasEntries("resourceNames"))
                {
                    errs.Add(FieldError.Invalid(path + ".nonResourceURLs", rule["nonResourceURLs"], "rules cannot apply to both regular resources and non-resource URLs"));
                }

                continue;
            }

            if (!rule.HasEntries("apiGroups"))
            {
                errs.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
            }

            if (!rule.HasEntries("resources"))
            {
                errs.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
            }
        }
    }

    /// <summary>SetDefaults for bindings: roleRef.apiGroup, and subjects' apiGroup by kind.</summary>
    public static void DefaultBinding(JsonObject obj)
    {
        obj.EnsureObj("roleRef").SetDefaultString("apiGroup", RbacGroup);
        foreach (var (_, subject) in obj.Items("subjects"))
        {
            if (string.IsNullOrEmpty(subject.Str("apiGroup")))
            {
                switch (subject.Str("kind"))
                {
                    case "ServiceAccount":
                        subject["apiGroup"] = "";
                        break;
                    case "User" or "Group":
                        subject["apiGroup"] = RbacGroup;
                        break;
                }
            }
        }
    }

    public static void ValidateBinding(JsonObject obj, bool namespaced, List<FieldError> errs)
    {
        var roleRef = obj.Obj("roleRef") ?? new JsonObject();
        var apiGroup = roleRef.StrOrEmpty("apiGroup");
        if (apiGroup != RbacGroup)
        {
            errs.Add(FieldError.NotSupported("roleRef.apiGroup", apiGroup, [RbacGroup]));
        }

        string[] kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
        var kind = roleRef.StrOrEmpty("kind");
        if (!kinds.Contains(kind))
        {
            errs.Add(FieldError.NotSupported("roleRef.kind", kind, kinds));
        }

        var name = roleRef.StrOrEmpty("name");
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required("roleRef.name"));
        }
        else
        {
            errs.AddRange(NameFormats.IsValidPathSegmentName(name).Select(m => FieldError.Invalid("roleRef.name", name, m)));
        }

        foreach (var (i, subject) in obj.Items("subjects"))
        {
            ValidateSubject(subject, namespaced, $"subjects[{i}]", errs);
        }
    }

    private static void ValidateSubject(JsonObject subject, bool namespaced, string path, List<FieldError> errs)
    {
        var name = subject.StrOrEmpty("name");
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".name"));
        }

        var apiGroup = subject.StrOrEmpty("apiGroup");
        switch (subject.StrOrEmpty("kind"))
        {
            case "ServiceAccount":
                if (name.Length > 0)
                {
                    errs.AddRange(NameFormats.IsDns1123Subdomain(name).Select(m => FieldError.Invalid(path + ".name", name, m)));
                }

                if (apiGroup.Length > 0)
                {
                    errs.Add(FieldError.NotSupported(path + ".apiGroup", apiGroup, [""]));
                }

                if (!namespaced && subject.StrOrEmpty("namespace").Length == 0)
                {
                    errs.Add(FieldError.Required(path + ".namespace"));
                }

                break;
            case "User" or "Group":
                if (apiGroup != RbacGroup)
                {
                    errs.Add(FieldError.NotSupported(path + ".apiGroup", apiGroup, [RbacGroup]));
                }

                break;
            case var other:
                errs.Add(FieldError.NotSupported(path + ".kind", other, ["ServiceAccount", "User", "Group"]));
                break;
        }
    }

    public static void ValidateRoleRefUnchanged(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (!JsonAccess.SameAs(obj["roleRef"], old["roleRef"]))
        {
            errs.Add(FieldError.Invalid("roleRef", obj["roleRef"]?.DeepClone(), "cannot change roleRef"));
        }
    }
}
