using System.Text;
using System.Text.Json;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Images;

/// <summary>
/// Registry credentials from a pod's imagePullSecrets: kubernetes.io/dockerconfigjson (key .dockerconfigjson,
/// {"auths":{host:{...}}}) and the older kubernetes.io/dockercfg (key .dockercfg, {host:{...}}). Entries are keyed by a
/// registry host, optionally with a scheme and path ("https://index.docker.io/v1/") or a leading "*." wildcard; an
/// image matches the entries of its registry host, the first secret listed winning.
/// </summary>
public sealed class DockerKeyring
{
    public const string DockerConfigJsonKey = ".dockerconfigjson";
    public const string DockerCfgKey = ".dockercfg";

    private readonly List<(string Host, RegistryAuth Auth)> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Adds the entries of one Secret's data; malformed data adds nothing (the kubelet skips such secrets too).</summary>
    public void Add(IReadOnlyDictionary<string, string> secretData)
    {
        try
        {
            if (secretData.TryGetValue(DockerConfigJsonKey, out var json))
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("auths", out var auths))
                {
                    AddEntries(auths);
                }
            }
            else if (secretData.TryGetValue(DockerCfgKey, out var cfg))
            {
                using var doc = JsonDocument.Parse(cfg);
                AddEntries(doc.RootElement);
            }
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>The credentials for the image's registry, or null to pull anonymously.</summary>
    public RegistryAuth? Find(string image)
    {
        var registry = ImageName.Parse(image).Registry;
        foreach (var (host, auth) in _entries)
        {
            if (host == registry || (host.StartsWith("*.", StringComparison.Ordinal) && registry.EndsWith(host[1..], StringComparison.Ordinal)))
            {
                return auth;
            }
        }

        return null;
    }

    private void AddEntries(JsonElement map)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var username = String(entry.Value, "username");
            var password = String(entry.Value, "password");
            var auth = String(entry.Value, "auth");
            if (auth is not null && (username is null || password is null))
            {
                try
                {
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                    var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        username ??= decoded[..colon];
                        password ??= decoded[(colon + 1)..];
                    }
                }
                catch (FormatException)
                {
                }
            }

            var host = HostOf(entry.Name);
            _entries.Add((host, new RegistryAuth(username, password, auth, host, String(entry.Value, "identitytoken"))));
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>"https://index.docker.io/v1/" → docker.io; "registry:5000/path" → registry:5000.</summary>
    internal static string HostOf(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        return ImageName.NormalizeRegistry(host);
    }
}
