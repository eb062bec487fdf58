namespace Capstan.Agent.Env;

/// <summary>ConfigMap and Secret data for env and envFrom; null when the object does not exist.</summary>
public interface IConfigSource
{
    Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct);

    Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct);
}
