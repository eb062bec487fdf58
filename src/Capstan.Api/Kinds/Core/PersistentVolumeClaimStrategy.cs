using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class PersistentVolumeClaimStrategy : KindStrategy
{
    public const string SpecImmutable = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

    internal static readonly string[] AccessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

    public override string Group => "";

    public override string Kind => "PersistentVolumeClaim";

    public override void Default(JsonObject obj) => ApplyDefaults(obj);

    /// <summary>SetDefaults_PersistentVolumeClaim: volumeMode Filesystem and status.phase Pending (also for StatefulSet claim templates).</summary>
    public static void ApplyDefaults(JsonObject claim)
    {
        var spec = claim.EnsureObj("spec");
        spec.SetDefaultString("volumeMode", "Filesystem");
        ResourceListValidation.Canonicalize(spec.Obj("resources")?.Obj("requests"));
        ResourceListValidation.Canonicalize(spec.Obj("resources")?.Obj("limits"));
        claim.EnsureObj("status").SetDefaultString("phase", "Pending");
    }

    /// <summary>A new claim starts Pending (Kubernetes shows the defaulted phase even though it clears status on create).</summary>
    public override void PrepareForCreate(JsonObject obj) => obj.EnsureObj("status").SetDefaultString("phase", "Pending");

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs) =>
        ValidateClaimSpec(obj.Obj("spec") ?? new JsonObject(), "spec", errs);

    /// <summary>ValidatePersistentVolumeClaimSpec: access modes, a positive storage request, selector, class name and volume mode.</summary>
    public static void ValidateClaimSpec(JsonObject spec, string path, List<FieldError> errs)
    {
        var modes = spec.Strings("accessModes");
        if (modes.Count == 0)
        {
            errs.Add(FieldError.Required(path + ".accessModes", "at least 1 access mode is required"));
        }

        foreach (var mode in modes.Where(m => !AccessModes.Contains(m)))
        {
            errs.Add(FieldError.NotSupported(path + ".accessModes", mode, AccessModes));
        }

        if (modes.Contains("ReadWriteOncePod") && modes.Count > 1)
        {
            errs.Add(FieldError.Forbidden(path + ".accessModes", "may not use ReadWriteOncePod with other access modes"));
        }

        errs.AddRange(LabelSelectorValidation.Validate(spec.Obj("selector"), path + ".selector"));

        var requests = spec.Obj("resources")?.Obj("requests");
        var storagePath = path + ".resources[storage]";
        if (requests?["storage"] is not { } storage)
        {
            errs.Add(FieldError.Required(storagePath));
        }
        else if (!ResourceListValidation.TryGetQuantity(storage, out var quantity))
        {
            errs.Add(FieldError.Invalid(storagePath, FieldRules.ValueForMessage(storage), Quantity.FormatError));
        }
        else if (quantity.Sign <= 0)
        {
            errs.Add(FieldError.Invalid(storagePath, quantity.ToString(), "must be greater than zero"));
        }

        errs.AddRange(ResourceListValidation.ValidateQuantities(requests, path + ".resources.requests"));
        errs.AddRange(ResourceListValidation.ValidateQuantities(spec.Obj("resources")?.Obj("limits"), path + ".resources.limits"));

        if (spec.Str("storageClassName") is { Length: > 0 } className)
        {
            errs.AddRange(NameFormats.IsDns1123Subdomain(className).Select(m => FieldError.Invalid(path + ".storageClassName", className, m)));
        }

        errs.AddRange(FieldRules.OneOf(spec, "volumeMode", path + ".volumeMode", false, "Block", "Filesystem"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        var phase = obj.Obj("status")?.Str("phase") ?? old.Obj("status")?.Str("phase");
        var bound = phase == "Bound";

        var a = (JsonObject)spec.DeepClone();
        var b = (JsonObject)oldSpec.DeepClone();

        // The binder sets volumeName once; a claim without a class may get the default class later.
        if (oldSpec.StrOrEmpty("volumeName").Length == 0)
        {
            a.Remove("volumeName");
            b.Remove("volumeName");
            if (!oldSpec.Has("storageClassName"))
            {
                a.Remove("storageClassName");
            }
        }

        // Bound claims may grow their storage request and change their attributes class.
        if (bound)
        {
            a.Obj("resources")?.Obj("requests")?.Remove("storage");
            b.Obj("resources")?.Obj("requests")?.Remove("storage");
            a.Remove("volumeAttributesClassName");
            b.Remove("volumeAttributesClassName");
        }

        if (!JsonAccess.SameAs(Normalize(a), Normalize(b)))
        {
            errs.Add(FieldError.Forbidden("spec", SpecImmutable));
        }

        if (ResourceListValidation.TryGetQuantity(spec.Obj("resources")?.Obj("requests")?["storage"], out var size)
            && ResourceListValidation.TryGetQuantity(oldSpec.Obj("resources")?.Obj("requests")?["storage"], out var oldSize)
            && size < oldSize)
        {
            errs.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
        }
    }

    /// <summary>Quantities compare by value ("1Gi" equals "1024Mi"), empty maps equal absent ones.</summary>
    private static JsonObject Normalize(JsonObject spec)
    {
        if (spec.Obj("resources") is { } resources)
        {
            foreach (var list in new[] { "requests", "limits" })
            {
                if (resources.Obj(list) is { } l)
                {
                    ResourceListValidation.Canonicalize(l);
                    if (l.Count == 0)
                    {
                        resources.Remove(list);
                    }
                }
            }

            if (resources.Count == 0)
            {
                spec.Remove("resources");
            }
        }

        return spec;
    }
}
