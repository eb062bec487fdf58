using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' ServiceAccount admission plugin on pod create: <c>spec.serviceAccountName</c> defaults to <c>default</c>,
/// and unless the pod (or else its service account) sets <c>automountServiceAccountToken: false</c>, the pod gets the
/// <c>kube-api-access-&lt;random&gt;</c> projected volume (a bound token, the cluster CA from the <c>kube-root-ca.crt</c>
/// ConfigMap, the namespace) mounted read-only at <see cref="MountPath"/> in every container that has nothing there yet.
/// Unlike Kubernetes, a pod whose service account does not exist yet (a namespace seconds old) is admitted without the
/// volume rather than refused.
/// </summary>
/// <param name="serviceAccount">Looks up a ServiceAccount (namespace, name); null when it does not exist.</param>
public sealed class ServiceAccountAdmission(Func<string, string, JsonObject?> serviceAccount) : IMutatingAdmission
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string VolumePrefix = "kube-api-access-";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    /// <summary>The token lifetime the kubelet asks for (an hour and seven seconds, as Kubernetes writes it).</summary>
    public const long TokenExpirationSeconds = 3607;

    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public string Name => "ServiceAccount";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group.Length != 0 || resource.Kind != "Pod" || obj["spec"] is not JsonObject spec)
        {
            return;
        }

        // Mirror pods (static pods a kubelet reports) get nothing, as in Kubernetes.
        if (obj["metadata"]?["annotations"]?["kubernetes.io/config.mirror"] is not null)
        {
            return;
        }

        var name = ObjectMeta.Str(spec["serviceAccountName"]);
        if (name.Length == 0)
        {
            name = ObjectMeta.Str(spec["serviceAccount"]);
        }

        if (name.Length == 0)
        {
            name = "default";
        }

        spec["serviceAccountName"] = name;
        spec["serviceAccount"] = name;
        var account = serviceAccount(ObjectMeta.Namespace(obj), name);
        if (account is null || !Automount(spec, account))
        {
            return;
        }

        var containers = new[] { "initContainers", "containers" }
            .SelectMany(field => (spec[field] as JsonArray)?.OfType<JsonObject>() ?? [])
            .ToList();
        if (containers.Any(c => (c["volumeMounts"] as JsonArray)?.OfType<JsonObject>().Any(m => ObjectMeta.Str(m["mountPath"]) == MountPath) == true))
        {
            // Someone mounts their own credentials there: leave the pod alone (Kubernetes does the same).
            return;
        }

        var volumes = spec["volumes"] as JsonArray ?? [];
        spec["volumes"] = volumes;
        var volumeName = NewVolumeName(volumes);
        volumes.Add(ApiAccessVolume(volumeName));
        foreach (var container in containers)
        {
            var mounts = container["volumeMounts"] as JsonArray ?? [];
            container["volumeMounts"] = mounts;
            mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = MountPath });
        }
    }

    /// <summary>The projected volume Kubernetes adds, field for field.</summary>
    public static JsonObject ApiAccessVolume(string name) => new()
    {
        ["name"] = name,
        ["projected"] = new JsonObject
        {
            ["sources"] = new JsonArray(
                new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = TokenExpirationSeconds, ["path"] = "token" } },
                new JsonObject
                {
                    ["configMap"] = new JsonObject
                    {
                        ["name"] = RootCaConfigMap,
                        ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                    },
                },
                new JsonObject
                {
                    ["downwardAPI"] = new JsonObject
                    {
                        ["items"] = new JsonArray(new JsonObject
                        {
                            ["path"] = "namespace",
                            ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                        }),
                    },
                }),
            ["defaultMode"] = 420,
        },
    };

    private static bool Automount(JsonObject spec, JsonObject account)
    {
        if (spec["automountServiceAccountToken"] is JsonValue podSetting && podSetting.TryGetValue<bool>(out var pod))
        {
            return pod;
        }

        return account["automountServiceAccountToken"] is not JsonValue accountSetting || !accountSetting.TryGetValue<bool>(out var sa) || sa;
    }

    private static string NewVolumeName(JsonArray volumes)
    {
        var taken = volumes.OfType<JsonObject>().Select(v => ObjectMeta.Str(v["name"])).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var name = VolumePrefix + string.Create(5, 0, static (span, _) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = SuffixAlphabet[Random.Shared.Next(SuffixAlphabet.Length)];
                }
            });
            if (!taken.Contains(name))
            {
                return name;
            }
        }
    }
}
