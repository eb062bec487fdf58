using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Volumes;

/// <summary>Reads of claim, volume and class fields shared by the volume controllers.</summary>
internal static class VolumeFacts
{
    public static JsonObject Spec(JsonObject obj) => obj["spec"] as JsonObject ?? new JsonObject();

    public static string Phase(JsonObject obj) => (obj["status"] as JsonObject)?.StrOrEmpty("phase") ?? "";

    public static string? Annotation(JsonObject obj, string key) => JsonAccess.AsString(obj["metadata"]?["annotations"]?[key]);

    /// <summary>spec.storageClassName, or the beta annotation that preceded it; "" for none (only volumes of no class match).</summary>
    public static string ClassOf(JsonObject obj) =>
        Annotation(obj, "volume.beta.kubernetes.io/storage-class") ?? Spec(obj).StrOrEmpty("storageClassName");

    /// <summary>Whether the claim has no storageClassName at all (nil, not ""): the default class may be given to it.</summary>
    public static bool HasNoClass(JsonObject claim) =>
        Annotation(claim, "volume.beta.kubernetes.io/storage-class") is null && Spec(claim)["storageClassName"] is null;

    public static Quantity Requested(JsonObject claim) =>
        ResourceListValidation.TryGetQuantity(Spec(claim)["resources"]?["requests"]?["storage"], out var q) ? q : Quantity.Zero;

    public static Quantity Capacity(JsonObject volume) =>
        ResourceListValidation.TryGetQuantity(Spec(volume)["capacity"]?["storage"], out var q) ? q : Quantity.Zero;

    public static Quantity? StatusCapacity(JsonObject claim) =>
        ResourceListValidation.TryGetQuantity(claim["status"]?["capacity"]?["storage"], out var q) ? q : null;

    public static string VolumeMode(JsonObject obj) => Spec(obj).Str("volumeMode") ?? "Filesystem";

    public static IReadOnlyList<string> AccessModes(JsonObject obj) => Spec(obj).Strings("accessModes");

    public static string VolumeName(JsonObject claim) => Spec(claim).StrOrEmpty("volumeName");

    /// <summary>The claim a volume's claimRef names: (namespace, name, uid or "").</summary>
    public static (string Namespace, string Name, string Uid)? ClaimRef(JsonObject volume) =>
        Spec(volume)["claimRef"] is JsonObject r ? (r.StrOrEmpty("namespace"), r.StrOrEmpty("name"), r.StrOrEmpty("uid")) : null;

    /// <summary>Whether the volume's claimRef names this claim (by name, and by uid when it has one).</summary>
    public static bool IsBoundTo(JsonObject volume, JsonObject claim) =>
        ClaimRef(volume) is { } r && r.Namespace == claim.GetNamespace() && r.Name == claim.GetName() && (r.Uid.Length == 0 || r.Uid == claim.GetUid());

    /// <summary>A volume with these access modes can serve a claim asking for those: every requested mode is offered.</summary>
    public static bool AccessModesSatisfy(JsonObject volume, JsonObject claim)
    {
        var offered = AccessModes(volume);
        return AccessModes(claim).All(offered.Contains);
    }

    public static bool IsDefaultClass(JsonObject storageClass) =>
        string.Equals(Annotation(storageClass, VolumeAnnotations.DefaultClass), "true", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Annotation(storageClass, VolumeAnnotations.BetaDefaultClass), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsWaitForFirstConsumer(JsonObject? storageClass) =>
        storageClass?.StrOrEmpty("volumeBindingMode") == "WaitForFirstConsumer";

    public static string ReclaimPolicy(JsonObject volume) => Spec(volume).Str("persistentVolumeReclaimPolicy") ?? "Retain";

    /// <summary>The claims a pod's volumes name: persistentVolumeClaim.claimName and generic ephemeral volumes ("&lt;pod&gt;-&lt;volume&gt;").</summary>
    public static IEnumerable<string> ClaimNames(JsonObject pod)
    {
        foreach (var (_, volume) in Spec(pod).Items("volumes"))
        {
            if (PodVolumeClaims.ClaimName(pod.GetName(), volume) is { Length: > 0 } claimName)
            {
                yield return claimName;
            }
        }
    }
}
