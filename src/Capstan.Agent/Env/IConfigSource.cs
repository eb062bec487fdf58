namespace Capstan.Agent.Env;

/// <summary>ConfigMap and Secret data for env and envFrom; null when the object does not exist.</summary>
public interface IConfigSource
{
    Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct);

    Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct);

    /// <summary>The raw bytes behind each key (volumes need binaryData and binary Secret values unchanged); null when absent.</summary>
    async Task<IReadOnlyDictionary<string, byte[]>?> BytesAsync(string resource, string ns, string name, CancellationToken ct)
    {
        var data = resource == "secrets" ? await SecretAsync(ns, name, ct).ConfigureAwait(false) : await ConfigMapAsync(ns, name, ct).ConfigureAwait(false);
        return data?.ToDictionary(p => p.Key, p => System.Text.Encoding.UTF8.GetBytes(p.Value), StringComparer.Ordinal);
    }

    /// <summary>A service-account token bound to <paramref name="pod"/> (projected serviceAccountToken sources).</summary>
    Task<string> ServiceAccountTokenAsync(k8s.Models.V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct) =>
        throw new NotSupportedException("this config source cannot request service-account tokens");
}
