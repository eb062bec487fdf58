using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Volumes.Protection;

/// <summary>Adds or removes one finalizer on a copy of an object.</summary>
internal static class Finalizers
{
    public static JsonObject With(JsonObject obj, string finalizer)
    {
        var copy = obj.DeepCopy();
        var meta = copy.EnsureObj("metadata");
        var list = meta["finalizers"] as JsonArray ?? new JsonArray();
        list.Add(finalizer);
        meta["finalizers"] = list;
        return copy;
    }

    public static JsonObject Without(JsonObject obj, string finalizer)
    {
        var copy = obj.DeepCopy();
        var meta = copy.EnsureObj("metadata");
        meta["finalizers"] = new JsonArray([.. copy.GetFinalizers().Where(f => f != finalizer).Select(f => (JsonNode)JsonValue.Create(f))]);
        return copy;
    }
}
