namespace Capstan.Api.Schema;

/// <summary>
/// The Kubernetes patch and list-type markers of one field, as the API reference documents them
/// (x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key, x-kubernetes-list-type, x-kubernetes-list-map-keys, x-kubernetes-map-type).
/// </summary>
/// <param name="PatchStrategy">"merge", "replace", "retainKeys", "merge,retainKeys" or null.</param>
/// <param name="PatchMergeKey">The key that identifies list items for a strategic merge ("name", "containerPort", ...).</param>
/// <param name="ListType">"atomic", "set" or "map" (server-side apply); null when not declared.</param>
/// <param name="ListMapKeys">For list type "map": the keys that identify an item.</param>
/// <param name="MapType">"atomic" or "granular" for object-valued fields; null when not declared.</param>
public sealed record PatchInfo(string? PatchStrategy, string? PatchMergeKey, string? ListType, IReadOnlyList<string>? ListMapKeys, string? MapType = null);
