using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Handlers;

/// <summary>The autoscaling/v1 Scale view of a scalable object (the scale subresource).</summary>
public static class Scale
{
    public static JsonObject From(ResourceInfo r, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        var status = new JsonObject { ["replicas"] = ObjectMeta.Long(obj["status"]?["replicas"]) ?? 0 };
        var selector = KindConversions.SelectorString(obj["spec"]?["selector"]);
        if (selector.Length > 0)
        {
            status["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta?["name"]?.DeepClone(),
                ["namespace"] = meta?["namespace"]?.DeepClone(),
                ["uid"] = meta?["uid"]?.DeepClone(),
                ["resourceVersion"] = meta?["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta?["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = ObjectMeta.Long(obj["spec"]?["replicas"]) ?? 0 },
            ["status"] = status,
        };
    }

    public static void SetReplicas(ResourceInfo r, JsonObject obj, long replicas)
    {
        if (replicas < 0)
        {
            throw Http.ApiException.Invalid("Scale.autoscaling", ObjectMeta.Name(obj),
                [Capstan.Api.Validation.FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
        }

        if (obj["spec"] is not JsonObject spec)
        {
            spec = new JsonObject();
            obj["spec"] = spec;
        }

        spec["replicas"] = replicas;
    }
}
