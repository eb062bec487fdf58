using System.Text;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Storage;

/// <summary>StorageClasses: reclaimPolicy Delete and volumeBindingMode Immediate; provisioner, parameters and policies fixed once created.</summary>
public sealed class StorageClassStrategy : KindStrategy
{
    public const int MaxParameters = 512;
    public const int MaxParametersSize = 256 * 1024;

    public override string Group => "storage.k8s.io";

    public override string Kind => "StorageClass";

    public override void Default(JsonObject obj)
    {
        obj.SetDefaultString("reclaimPolicy", "Delete");
        obj.SetDefaultString("volumeBindingMode", "Immediate");
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var provisioner = obj.StrOrEmpty("provisioner");
        if (provisioner.Length == 0)
        {
            errs.Add(FieldError.Required("provisioner"));
        }
        else
        {
            errs.AddRange(NameFormats.IsQualifiedName(provisioner.ToLowerInvariant()).Select(m => FieldError.Invalid("provisioner", provisioner, m)));
        }

        if (obj.Obj("parameters") is { } parameters)
        {
            if (parameters.Count > MaxParameters)
            {
                errs.Add(FieldError.TooLong("parameters", "Provisioner Parameters exceeded max allowed", MaxParameters));
            }

            long size = 0;
            foreach (var (key, value) in parameters)
            {
                if (key.Length == 0)
                {
                    errs.Add(FieldError.Invalid("parameters", key, "field can not be empty."));
                }

                size += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(JsonAccess.AsString(value) ?? "");
            }

            if (size > MaxParametersSize)
            {
                errs.Add(FieldError.TooLong("parameters", null, MaxParametersSize));
            }
        }

        errs.AddRange(FieldRules.OneOf(obj, "reclaimPolicy", "reclaimPolicy", false, "Delete", "Retain"));
        errs.AddRange(FieldRules.OneOf(obj, "volumeBindingMode", "volumeBindingMode", true, "Immediate", "WaitForFirstConsumer"));
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (!JsonAccess.SameAs(obj["parameters"], old["parameters"]))
        {
            errs.Add(FieldError.Forbidden("parameters", "updates to parameters are forbidden."));
        }

        if (obj.StrOrEmpty("provisioner") != old.StrOrEmpty("provisioner"))
        {
            errs.Add(FieldError.Forbidden("provisioner", "updates to provisioner are forbidden."));
        }

        if (obj.StrOrEmpty("reclaimPolicy") != old.StrOrEmpty("reclaimPolicy"))
        {
            errs.Add(FieldError.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        }

        errs.AddRange(FieldRules.Immutable(obj, old, "volumeBindingMode", "volumeBindingMode"));
    }
}
