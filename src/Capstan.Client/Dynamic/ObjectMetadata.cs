using System.Text.Json.Nodes;
using Capstan.Api.Text;

namespace Capstan.Client.Dynamic;

/// <summary>Reads metadata fields of an untyped object. Readers never change the object (cached objects are shared).</summary>
public static class ObjectMetadata
{
    public static string GetName(this JsonObject obj) => Meta(obj)?["name"]?.GetValue<string>() ?? "";

    public static string GetNamespace(this JsonObject obj) => Meta(obj)?["namespace"]?.GetValue<string>() ?? "";

    public static string GetUid(this JsonObject obj) => Meta(obj)?["uid"]?.GetValue<string>() ?? "";

    public static string GetResourceVersion(this JsonObject obj) => Meta(obj)?["resourceVersion"]?.GetValue<string>() ?? "";

    public static string GetApiVersion(this JsonObject obj) => obj["apiVersion"]?.GetValue<string>() ?? "";

    public static string GetKind(this JsonObject obj) => obj["kind"]?.GetValue<string>() ?? "";

    public static bool IsBeingDeleted(this JsonObject obj) => Meta(obj)?["deletionTimestamp"] is JsonValue;

    public static IReadOnlyList<string> GetFinalizers(this JsonObject obj) =>
        Meta(obj)?["finalizers"] is JsonArray a ? [.. a.Select(f => f?.GetValue<string>() ?? "")] : [];

    public static bool HasFinalizer(this JsonObject obj, string finalizer) => obj.GetFinalizers().Contains(finalizer, StringComparer.Ordinal);

    public static IReadOnlyList<OwnerReference> GetOwnerReferences(this JsonObject obj)
    {
        if (Meta(obj)?["ownerReferences"] is not JsonArray refs)
        {
            return [];
        }

        var result = new List<OwnerReference>(refs.Count);
        foreach (var r in refs.OfType<JsonObject>())
        {
            // Kinds, versions and owner names repeat across dependents (5,000 Leases all name a Node of v1).
            result.Add(new OwnerReference(
                StringTable.Shared.Intern(r["apiVersion"]?.GetValue<string>() ?? ""),
                StringTable.Shared.Intern(r["kind"]?.GetValue<string>() ?? ""),
                StringTable.Shared.Intern(r["name"]?.GetValue<string>() ?? ""),
                r["uid"]?.GetValue<string>() ?? "",
                r["controller"]?.GetValue<bool>() ?? false,
                r["blockOwnerDeletion"]?.GetValue<bool>() ?? false));
        }

        return result;
    }

    /// <summary>"namespace/name", or "name" for cluster-scoped objects: the cache and work-queue key.</summary>
    public static string GetKey(this JsonObject obj)
    {
        var ns = obj.GetNamespace();
        return ns.Length == 0 ? obj.GetName() : $"{ns}/{obj.GetName()}";
    }

    /// <summary>Splits a key made by <see cref="GetKey"/>.</summary>
    public static (string Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>A deep copy that callers may change.</summary>
    public static JsonObject DeepCopy(this JsonObject obj) => (JsonObject)obj.DeepClone();

    private static JsonObject? Meta(JsonObject obj) => obj["metadata"] as JsonObject;
}
