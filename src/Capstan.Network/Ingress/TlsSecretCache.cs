using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;

namespace Capstan.Network.Ingress;

/// <summary>
/// Certificates parsed from kubernetes.io/tls Secrets (tls.crt with its chain, tls.key) into certificate contexts, kept per resourceVersion so a
/// rebuild does not parse PEM again.
/// </summary>
internal sealed class TlsSecretCache
{
    private readonly ConcurrentDictionary<string, (string Version, SslStreamCertificateContext? Certificate)> _parsed = new(StringComparer.Ordinal);

    /// <summary>The certificate in <paramref name="secret"/>, or null when it is not a usable TLS Secret.</summary>
    public SslStreamCertificateContext? Get(JsonObject secret, out string? error)
    {
        error = null;
        var key = secret.GetKey();
        var version = secret.GetResourceVersion();
        if (_parsed.TryGetValue(key, out var cached) && cached.Version == version)
        {
            return cached.Certificate;
        }

        SslStreamCertificateContext? certificate = null;
        try
        {
            var data = secret["data"] as JsonObject;
            var crt = Decode(data?["tls.crt"]);
            var pem = Decode(data?["tls.key"]);
            if (crt is null || pem is null)
            {
                error = "the Secret has no tls.crt or tls.key";
            }
            else
            {
                // tls.crt holds the leaf first, then any intermediates, which clients need sent with it.
                var leaf = X509Certificate2.CreateFromPem(crt, pem);
                var chain = new X509Certificate2Collection();
                chain.ImportFromPem(crt);
                var intermediates = new X509Certificate2Collection();
                foreach (var extra in chain)
                {
                    if (extra.Thumbprint != leaf.Thumbprint)
                    {
                        intermediates.Add(extra);
                    }
                }

                certificate = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
            }
        }
        catch (CryptographicException ex)
        {
            error = ex.Message;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
        }

        _parsed[key] = (version, certificate);
        return certificate;
    }

    /// <summary>Drops Secrets no longer in use.</summary>
    public void Retain(IReadOnlySet<string> keys)
    {
        foreach (var key in _parsed.Keys)
        {
            if (!keys.Contains(key))
            {
                _parsed.TryRemove(key, out _);
            }
        }
    }

    private static string? Decode(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var base64) ? Encoding.UTF8.GetString(Convert.FromBase64String(base64)) : null;
}
