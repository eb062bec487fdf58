using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.Api.Validation;

/// <summary>
/// Kubernetes' generic metadata rules (ValidateObjectMeta, ValidateObjectMetaUpdate): name and generateName per kind,
/// namespace, labels, annotations, finalizers and ownerReferences. Field paths start at "metadata".
/// </summary>
public static class ObjectMetaValidation
{
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;
    public const string FieldImmutable = "field is immutable";
    public const string NonNegative = "must be greater than or equal to 0";

    /// <summary>Finalizer names that need no domain: "kubernetes", "orphan", "foregroundDeletion".</summary>
    public static readonly IReadOnlyList<string> StandardFinalizers = ["kubernetes", "orphan", "foregroundDeletion"];

    /// <summary>The name rule of a kind: DNS-1123 label for namespaces and StatefulSets (their pods' hostnames), DNS-1035 label for services, path segments for RBAC kinds, else DNS-1123 subdomain.</summary>
    public static NameRule NameRuleFor(string group, string kind) => (group, kind) switch
    {
        ("", "Namespace") => NameRule.Dns1123Label,
        ("apps", "StatefulSet") => NameRule.Dns1123Label,
        ("", "Service") => NameRule.Dns1035Label,
        ("rbac.authorization.k8s.io", "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding") => NameRule.PathSegment,
        _ => NameRule.Dns1123Subdomain,
    };

    /// <summary>The check a kind applies to metadata.name: returns the problems, empty when the name is valid.</summary>
    public static Func<string, IEnumerable<string>> NameValidatorFor(string group, string kind)
    {
        var rule = NameRuleFor(group, kind);
        return name => ValidateName(rule, name, prefix: false);
    }

    /// <summary>Checks a name (or, with <paramref name="prefix"/>, a generateName) against a rule.</summary>
    public static IReadOnlyList<string> ValidateName(NameRule rule, string name, bool prefix)
    {
        if (prefix && rule != NameRule.PathSegment)
        {
            name = NameFormats.MaskTrailingDash(name);
        }

        return rule switch
        {
            NameRule.Dns1123Label => NameFormats.IsDns1123Label(name),
            NameRule.Dns1035Label => NameFormats.IsDns1035Label(name),
            NameRule.PathSegment => prefix ? NameFormats.IsValidPathSegmentPrefix(name) : NameFormats.IsValidPathSegmentName(name),
            _ => NameFormats.IsDns1123Subdomain(name),
        };
    }

    /// <summary>Validates the metadata of a new object of a built-in kind (namespaced-ness taken from the registry).</summary>
    public static IEnumerable<FieldError> Validate(JsonObject obj, string group, string kind) =>
        Validate(obj, group, kind, ResourceRegistry.BuiltIn.FindKind(group, kind)?.Namespaced ?? true);

    /// <summary>
    /// Validates the metadata of a new object. A missing name is accepted when generateName is set: the server fills the name in.
    /// </summary>
    public static IEnumerable<FieldError> Validate(JsonObject obj, string group, string kind, bool namespaced)
    {
        var errs = new List<FieldError>();
        var meta = obj.Obj("metadata") ?? new JsonObject();
        var rule = NameRuleFor(group, kind);
        var name = meta.StrOrEmpty("name");
        var generateName = meta.StrOrEmpty("generateName");

        if (generateName.Length > 0)
        {
            errs.AddRange(ValidateName(rule, generateName, prefix: true).Select(m => FieldError.Invalid("metadata.generateName", generateName, m)));
        }

        if (name.Length == 0)
        {
            if (generateName.Length == 0)
            {
                errs.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            }
        }
        else
        {
            errs.AddRange(ValidateName(rule, name, prefix: false).Select(m => FieldError.Invalid("metadata.name", name, m)));
        }

        var ns = meta.StrOrEmpty("namespace");
        if (namespaced)
        {
            if (ns.Length == 0)
            {
                errs.Add(FieldError.Required("metadata.namespace"));
            }
            else
            {
                errs.AddRange(NameFormats.IsDns1123Label(ns).Select(m => FieldError.Invalid("metadata.namespace", ns, m)));
            }
        }
        else if (ns.Length > 0)
        {
            errs.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        if (meta.Long("generation") is < 0 and var generation)
        {
            errs.Add(FieldError.Invalid("metadata.generation", generation, NonNegative));
        }

        errs.AddRange(ValidateLabels(meta.Obj("labels"), "metadata.labels"));
        errs.AddRange(ValidateAnnotations(meta.Obj("annotations"), "metadata.annotations"));
        errs.AddRange(ValidateOwnerReferences(meta.Arr("ownerReferences"), "metadata.ownerReferences"));
        var finalizers = meta.Strings("finalizers");
        errs.AddRange(ValidateFinalizers(finalizers, "metadata.finalizers"));

        // Built-in kinds also require finalizers outside the standard set to be domain-qualified.
        for (var i = 0; i < finalizers.Count; i++)
        {
            if (!finalizers[i].Contains('/') && !StandardFinalizers.Contains(finalizers[i]))
            {
                errs.Add(FieldError.Invalid($"metadata.finalizers[{i}]", finalizers[i], "name is neither a standard finalizer name nor is it fully qualified"));
            }
        }

        return errs;
    }

    /// <summary>Validates the metadata of an update: the new metadata's rules plus the fields that never change.</summary>
    public static IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old, string group, string kind)
    {
        var errs = Validate(obj, group, kind).ToList();
        var meta = obj.Obj("metadata") ?? new JsonObject();
        var oldMeta = old.Obj("metadata") ?? new JsonObject();
        foreach (var field in new[] { "name", "namespace" })
        {
            if (meta.StrOrEmpty(field) != oldMeta.StrOrEmpty(field))
            {
                errs.Add(FieldError.Invalid("metadata." + field, meta.StrOrEmpty(field), FieldImmutable));
            }
        }

        // An omitted uid is filled in from the stored object (and creationTimestamp always is), as Kubernetes' BeforeUpdate does.
        if (meta.Str("uid") is { Length: > 0 } uid && uid != oldMeta.StrOrEmpty("uid"))
        {
            errs.Add(FieldError.Invalid("metadata.uid", uid, FieldImmutable));
        }

        if (oldMeta.Has("deletionTimestamp"))
        {
            var added = meta.Strings("finalizers").Except(oldMeta.Strings("finalizers")).ToArray();
            if (added.Length > 0)
            {
                errs.Add(FieldError.Forbidden("metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{" + string.Join(", ", added.Select(f => $"\"{f}\"")) + "}"));
            }
        }

        return errs;
    }

    /// <summary>Label keys are qualified names, values at most 63 characters of the label-value format. Errors are reported on the map's path.</summary>
    public static IEnumerable<FieldError> ValidateLabels(JsonObject? labels, string path)
    {
        if (labels is null)
        {
            yield break;
        }

        foreach (var (key, node) in labels)
        {
            foreach (var msg in NameFormats.IsQualifiedName(key))
            {
                yield return FieldError.Invalid(path, key, msg);
            }

            var value = JsonAccess.AsString(node);
            if (value is null)
            {
                if (node is not null)
                {
                    yield return new FieldError(FieldErrorType.TypeInvalid, path + "[" + key + "]", node, "must be a string");
                }

                continue;
            }

            foreach (var msg in NameFormats.IsValidLabelValue(value))
            {
                yield return FieldError.Invalid(path, value, msg);
            }
        }
    }

    /// <summary>Annotation keys are qualified names (checked lower-cased); keys and values together at most 256 KiB.</summary>
    public static IEnumerable<FieldError> ValidateAnnotations(JsonObject? annotations, string path)
    {
        if (annotations is null)
        {
            yield break;
        }

        long total = 0;
        foreach (var (key, node) in annotations)
        {
            foreach (var msg in NameFormats.IsQualifiedName(key.ToLowerInvariant()))
            {
                yield return FieldError.Invalid(path, key, msg);
            }

            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(JsonAccess.AsString(node) ?? "");
        }

        if (total > TotalAnnotationSizeLimitBytes)
        {
            yield return FieldError.TooLong(path, null, TotalAnnotationSizeLimitBytes);
        }
    }

    public static IEnumerable<FieldError> ValidateFinalizers(IReadOnlyList<string> finalizers, string path)
    {
        foreach (var finalizer in finalizers)
        {
            foreach (var msg in NameFormats.IsQualifiedName(finalizer))
            {
                yield return FieldError.Invalid(path, finalizer, msg);
            }
        }

        if (finalizers.Contains("orphan") && finalizers.Contains("foregroundDeletion"))
        {
            yield return FieldError.Invalid(path, new JsonArray(finalizers.Select(f => (JsonNode?)f).ToArray()),
                "finalizer orphan and foregroundDeletion cannot be both set");
        }
    }

    /// <summary>Each reference needs apiVersion (with a version), kind, name and uid; at most one may be the controller.</summary>
    public static IEnumerable<FieldError> ValidateOwnerReferences(JsonArray? references, string path)
    {
        if (references is null)
        {
            yield break;
        }

        string? firstController = null;
        foreach (var node in references)
        {
            if (node is not JsonObject reference)
            {
                continue;
            }

            var apiVersion = reference.StrOrEmpty("apiVersion");
            var version = apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;
            if (version.Length == 0)
            {
                yield return FieldError.Invalid(path + ".apiVersion", apiVersion, "version must not be empty");
            }

            foreach (var field in new[] { "kind", "name", "uid" })
            {
                if (reference.StrOrEmpty(field).Length == 0)
                {
                    yield return FieldError.Invalid(path + "." + field, "", "must not be empty");
                }
            }

            if (reference.Bool("controller") == true)
            {
                var current = reference.StrOrEmpty("kind") + "/" + reference.StrOrEmpty("name");
                if (firstController is null)
                {
                    firstController = current;
                }
                else
                {
                    yield return FieldError.Invalid(path, references,
                        $"Only one reference can have Controller set to true. Found \"true\" in references for {firstController} and {current}");
                }
            }
        }
    }

    /// <summary>The metadata of a pod template (labels and annotations only).</summary>
    public static IEnumerable<FieldError> ValidateTemplateMeta(JsonObject? meta, string path)
    {
        if (meta is null)
        {
            return [];
        }

        return ValidateLabels(meta.Obj("labels"), path + ".labels")
            .Concat(ValidateAnnotations(meta.Obj("annotations"), path + ".annotations"));
    }
}
