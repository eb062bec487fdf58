using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Namespaces: the kubernetes.io/metadata.name label, the "kubernetes" finalizer and phase Active on create.</summary>
public sealed class NamespaceStrategy : KindStrategy
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public override string Group => "";

    public override string Kind => "Namespace";

    public override void Default(JsonObject obj)
    {
        if (obj.Obj("metadata")?.Str("name") is { Length: > 0 } name)
        {
            obj.EnsureObj("metadata").EnsureObj("labels")[NameLabel] = name;
        }
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        var spec = obj.EnsureObj("spec");
        var finalizers = spec.Arr("finalizers");
        if (finalizers is null)
        {
            spec["finalizers"] = new JsonArray("kubernetes");
        }
        else if (!finalizers.Any(f => JsonAccess.AsString(f) == "kubernetes"))
        {
            finalizers.Add("kubernetes");
        }
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        // spec.finalizers change only through the finalize subresource.
        obj["spec"] = old.Obj("spec")?.DeepClone() ?? new JsonObject();
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        foreach (var finalizer in (obj.Obj("spec") ?? new JsonObject()).Strings("finalizers"))
        {
            errs.AddRange(NameFormats.IsQualifiedName(finalizer).Select(m => FieldError.Invalid("spec.finalizers", finalizer, m)));
            if (!finalizer.Contains('/') && !ObjectMetaValidation.StandardFinalizers.Contains(finalizer))
            {
                errs.Add(FieldError.Invalid("spec.finalizers", finalizer, "name is neither a standard finalizer name nor is it fully qualified"));
            }
        }
    }

    /// <summary>The phase follows deletion: Active until deletionTimestamp is set, Terminating after (Kubernetes reports the path as "status.Phase").</summary>
    public override IEnumerable<FieldError> ValidateStatus(JsonObject obj, JsonObject old)
    {
        var phase = obj.Obj("status")?.StrOrEmpty("phase") ?? "";
        var deleting = obj.Obj("metadata")?.Has("deletionTimestamp") == true;
        if (!deleting && phase != "Active")
        {
            yield return FieldError.Invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty");
        }
        else if (deleting && phase != "Terminating")
        {
            yield return FieldError.Invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty");
        }
    }
}
