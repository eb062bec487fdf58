using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;

namespace Capstan.Agent.Env;

/// <summary>Reads ConfigMaps and Secrets through the API each time a container starts, as the kubelet's Get strategy does.</summary>
public sealed class ApiConfigSource(IKubernetes client) : IConfigSource
{
    private readonly Volumes.Config.ServiceAccountTokenCache _tokens = new(client, TimeProvider.System);

    public Task<string> ServiceAccountTokenAsync(k8s.Models.V1Pod pod, string? audience, long expirationSeconds, CancellationToken ct) =>
        _tokens.TokenAsync(pod, audience, expirationSeconds, ct);

    public async Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            var cm = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
            var data = new Dictionary<string, string>(cm.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (key, value) in cm.BinaryData ?? new Dictionary<string, byte[]>())
            {
                data.TryAdd(key, Encoding.UTF8.GetString(value));
            }

            return data;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
            var data = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
            {
                data[key] = Encoding.UTF8.GetString(value);
            }

            foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
            {
                data[key] = value;
            }

            return data;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<string, byte[]>?> BytesAsync(string resource, string ns, string name, CancellationToken ct)
    {
        try
        {
            var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (resource == "secrets")
            {
                var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
                foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
                {
                    data[key] = value;
                }

                return data;
            }

            var cm = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
            foreach (var (key, value) in cm.Data ?? new Dictionary<string, string>())
            {
                data[key] = Encoding.UTF8.GetBytes(value);
            }

            foreach (var (key, value) in cm.BinaryData ?? new Dictionary<string, byte[]>())
            {
                data.TryAdd(key, value);
            }

            return data;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
