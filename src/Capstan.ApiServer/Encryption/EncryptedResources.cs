using Capstan.Api.Registry;

namespace Capstan.ApiServer.Encryption;

/// <summary>Turns `--encrypt-resources` (e.g. <c>secrets,configmaps,deployments.apps</c>) into storage prefixes.</summary>
public static class EncryptedResources
{
    /// <summary>What is encrypted when the flag is not given.</summary>
    public const string Default = "secrets";

    /// <summary>The storage prefixes of the named resources; throws <see cref="ArgumentException"/> naming an unknown one.</summary>
    public static IReadOnlyList<string> Resolve(ResourceRegistry registry, string list)
    {
        var prefixes = new List<string>();
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dot = item.IndexOf('.', StringComparison.Ordinal);
            var (plural, group) = dot < 0 ? (item, "") : (item[..dot], item[(dot + 1)..]);
            var resource = registry.Resources.FirstOrDefault(r => r.Plural == plural && r.Group == group && !r.IsVirtual)
                ?? throw new ArgumentException($"--encrypt-resources: unknown resource \"{item}\" (use <plural>[.<group>], e.g. secrets or deployments.apps)");
            if (!prefixes.Contains(resource.StoragePrefix))
            {
                prefixes.Add(resource.StoragePrefix);
            }
        }

        return prefixes;
    }
}
