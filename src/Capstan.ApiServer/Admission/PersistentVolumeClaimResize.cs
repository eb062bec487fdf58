using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' PersistentVolumeClaimResize plugin: a bound claim may grow only when its StorageClass says
/// <c>allowVolumeExpansion: true</c>; otherwise the resize is refused with Kubernetes' message.
/// </summary>
public sealed class PersistentVolumeClaimResize(WatchCache cache) : IValidatingUpdateAdmission
{
    public string Name => "PersistentVolumeClaimResize";

    public IEnumerable<FieldError> ValidateUpdate(ResourceInfo resource, JsonObject updated, JsonObject old)
    {
        if (resource.Group.Length != 0 || resource.Kind != "PersistentVolumeClaim")
        {
            return [];
        }

        var newSize = Storage(updated);
        var oldSize = Storage(old);
        if (newSize is null || oldSize is null || newSize == oldSize || !IsBound(old))
        {
            return [];
        }

        var className = old["spec"]?["storageClassName"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(className) && AllowsExpansion(className))
        {
            return [];
        }

        return [FieldError.Forbidden("spec.resources.requests.storage", "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize")];
    }

    private bool AllowsExpansion(string className)
    {
        if (cache.Registry.FindKind("storage.k8s.io", "StorageClass") is not { } classes)
        {
            return false;
        }

        var cached = cache.For(classes).List(classes.StoragePrefix).FirstOrDefault(c => c.Name == className);
        return cached is not null && JsonNode.Parse(cached.Json)?["allowVolumeExpansion"] is JsonValue allow && allow.TryGetValue<bool>(out var yes) && yes;
    }

    // The claim's own update rules allow a size change only once it is Bound; unbound claims are theirs to refuse.
    private static bool IsBound(JsonObject claim) =>
        claim["status"]?["phase"] is JsonValue phase && phase.TryGetValue<string>(out var text) && text == "Bound";

    private static string? Storage(JsonObject claim) =>
        claim["spec"]?["resources"]?["requests"]?["storage"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
