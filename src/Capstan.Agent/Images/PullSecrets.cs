using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Images;

/// <summary>Reads a pod's imagePullSecrets into a keyring; secrets that are missing are skipped (the pull may still work anonymously).</summary>
public static class PullSecrets
{
    public static async Task<DockerKeyring> KeyringAsync(IConfigSource config, V1Pod pod, CancellationToken ct)
    {
        var keyring = new DockerKeyring();
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        foreach (var reference in pod.Spec.ImagePullSecrets ?? [])
        {
            if (string.IsNullOrEmpty(reference.Name))
            {
                continue;
            }

            if (await config.SecretAsync(ns, reference.Name, ct).ConfigureAwait(false) is { } data)
            {
                keyring.Add(data);
            }
        }

        return keyring;
    }
}
