using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Node;

/// <summary>
/// RuntimeClasses (node.k8s.io/v1): the CRI handler a pod of the class runs under, the fixed overhead such a pod costs
/// on top of its containers (admission copies it into spec.overhead, which the scheduler and quota count), and the
/// node selector and tolerations its pods get. The handler is a DNS label and fixed once created.
/// </summary>
public sealed class RuntimeClassStrategy : KindStrategy
{
    public override string Group => "node.k8s.io";

    public override string Kind => "RuntimeClass";

    public override void Default(JsonObject obj) => ResourceListValidation.Canonicalize(obj.Obj("overhead")?.Obj("podFixed"));

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var handler = obj.StrOrEmpty("handler");
        errs.AddRange(NameFormats.IsDns1123Label(handler).Select(m => FieldError.Invalid("handler", handler, m)));

        if (obj.Obj("overhead")?.Obj("podFixed") is { } podFixed)
        {
            errs.AddRange(ResourceListValidation.ValidateQuantities(podFixed, "overhead.podFixed", name =>
                ResourceListValidation.IsContainerResourceName(name) ? [] : ["must be a standard resource type or fully qualified"]));
        }

        if (obj.Obj("scheduling") is { } scheduling)
        {
            errs.AddRange(ObjectMetaValidation.ValidateLabels(scheduling.Obj("nodeSelector"), "scheduling.nodeSelector"));
            PodSpecValidation.ValidateTolerations(scheduling, "scheduling.tolerations", errs);
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (obj.StrOrEmpty("handler") != old.StrOrEmpty("handler"))
        {
            errs.Add(FieldError.Invalid("handler", obj.StrOrEmpty("handler"), "field is immutable"));
        }
    }
}
