using System.Globalization;
using System.Text;
using k8s.Models;

namespace Capstan.Agent.Env;

/// <summary>
/// Builds a container's environment as the kubelet does: envFrom sources first (with their prefix), then env entries in
/// order, each value $(VAR)-expanded against the variables defined before it; downward API values come from the pod and
/// the node; ConfigMap and Secret values are read through <see cref="IConfigSource"/>. With an <see cref="IServiceSource"/>,
/// the Services' variables (<see cref="ServiceEnvVars"/>) follow, except those the container defines itself; $(VAR) in
/// env values may refer to them.
/// </summary>
public sealed class EnvBuilder(IConfigSource config, NodeAllocatable allocatable, IServiceSource? services = null)
{
    /// <exception cref="EnvConfigException">A required ConfigMap, Secret or key is missing, or a field reference is unsupported.</exception>
    public async Task<List<KeyValuePair<string, string>>> BuildAsync(V1Pod pod, V1Container container, string? podIp, string hostIp, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var serviceEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        var serviceOrder = new List<string>();
        if (services is not null)
        {
            var visible = ServiceEnvVars.Select(ns, pod.Spec?.EnableServiceLinks ?? true, await services.ServicesAsync(ns, ct).ConfigureAwait(false));
            foreach (var (name, value) in ServiceEnvVars.For(visible))
            {
                if (serviceEnv.TryAdd(name, value))
                {
                    serviceOrder.Add(name);
                }
            }
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Set(string name, string value)
        {
            if (!env.ContainsKey(name))
            {
                order.Add(name);
            }

            env[name] = value;
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            IReadOnlyDictionary<string, string>? data;
            if (source.ConfigMapRef is { } cmRef)
            {
                data = await config.ConfigMapAsync(ns, cmRef.Name, ct).ConfigureAwait(false);
                if (data is null && cmRef.Optional != true)
                {
                    throw new EnvConfigException($"configmap \"{cmRef.Name}\" not found");
                }
            }
            else if (source.SecretRef is { } secretRef)
            {
                data = await config.SecretAsync(ns, secretRef.Name, ct).ConfigureAwait(false);
                if (data is null && secretRef.Optional != true)
                {
                    throw new EnvConfigException($"secret \"{secretRef.Name}\" not found");
                }
            }
            else
            {
                continue;
            }

            foreach (var (key, value) in data ?? new Dictionary<string, string>())
            {
                var name = prefix + key;
                if (IsValidEnvName(name))
                {
                    Set(name, value);
                }
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            string? value;
            if (variable.ValueFrom is null)
            {
                value = VarExpansion.Expand(variable.Value ?? "", n => env.GetValueOrDefault(n) ?? serviceEnv.GetValueOrDefault(n));
            }
            else
            {
                value = await ValueFromAsync(pod, container, ns, variable.ValueFrom, podIp, hostIp, ct).ConfigureAwait(false);
                if (value is null)
                {
                    continue;
                }
            }

            Set(variable.Name, value);
        }

        // The pod's own definitions win over the Services' (the kubelet appends only those not already set).
        foreach (var name in serviceOrder)
        {
            if (!env.ContainsKey(name))
            {
                Set(name, serviceEnv[name]);
            }
        }

        return [.. order.Select(n => new KeyValuePair<string, string>(n, env[n]))];
    }

    private async Task<string?> ValueFromAsync(V1Pod pod, V1Container container, string ns, V1EnvVarSource source, string? podIp, string hostIp, CancellationToken ct)
    {
        if (source.FieldRef is { } fieldRef)
        {
            return FieldValue(pod, fieldRef.FieldPath, podIp, hostIp);
        }

        if (source.ResourceFieldRef is { } resourceRef)
        {
            var target = string.IsNullOrEmpty(resourceRef.ContainerName)
                ? container
                : pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == resourceRef.ContainerName) ?? container;
            return ResourceValue(target, resourceRef.Resource, resourceRef.Divisor);
        }

        if (source.ConfigMapKeyRef is { } cmKey)
        {
            var data = await config.ConfigMapAsync(ns, cmKey.Name, ct).ConfigureAwait(false);
            if (data is null)
            {
                return cmKey.Optional == true ? null : throw new EnvConfigException($"configmap \"{cmKey.Name}\" not found");
            }

            return data.TryGetValue(cmKey.Key, out var value) ? value
                : cmKey.Optional == true ? null
                : throw new EnvConfigException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
        }

        if (source.SecretKeyRef is { } secretKey)
        {
            var data = await config.SecretAsync(ns, secretKey.Name, ct).ConfigureAwait(false);
            if (data is null)
            {
                return secretKey.Optional == true ? null : throw new EnvConfigException($"secret \"{secretKey.Name}\" not found");
            }

            return data.TryGetValue(secretKey.Key, out var value) ? value
                : secretKey.Optional == true ? null
                : throw new EnvConfigException($"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
        }

        return null;
    }

    /// <summary>The downward API's fieldRef paths.</summary>
    public static string FieldValue(V1Pod pod, string path, string? podIp, string hostIp)
    {
        var meta = pod.Metadata;
        switch (path)
        {
            case "metadata.name":
                return meta.Name ?? "";
            case "metadata.namespace":
                return meta.NamespaceProperty ?? "default";
            case "metadata.uid":
                return meta.Uid ?? "";
            case "metadata.labels":
                return FormatMap(meta.Labels);
            case "metadata.annotations":
                return FormatMap(meta.Annotations);
            case "spec.nodeName":
                return pod.Spec.NodeName ?? "";
            case "spec.serviceAccountName":
                return pod.Spec.ServiceAccountName ?? "";
            case "status.hostIP":
            case "status.hostIPs":
                return hostIp;
            case "status.podIP":
            case "status.podIPs":
                return podIp ?? "";
        }

        if (Subscript(path, "metadata.labels") is { } label)
        {
            return (meta.Labels is { } labels && labels.TryGetValue(label, out var l) ? l : null) ?? "";
        }

        if (Subscript(path, "metadata.annotations") is { } annotation)
        {
            return (meta.Annotations is { } annotations && annotations.TryGetValue(annotation, out var a) ? a : null) ?? "";
        }

        throw new EnvConfigException($"unsupported fieldPath: {path}");
    }

    /// <summary>
    /// A resourceFieldRef value: the quantity divided by the divisor, rounded up (limits.cpu 500m with divisor 1 is 1;
    /// with divisor 1m it is 500). Limits a container does not set are the node's allocatable.
    /// </summary>
    public string ResourceValue(V1Container container, string resource, ResourceQuantity? divisor)
    {
        var limits = container.Resources?.Limits;
        var requests = container.Resources?.Requests;
        decimal? value = resource switch
        {
            "limits.cpu" => Get(limits, "cpu") ?? allocatable.CpuMillis / 1000m,
            "requests.cpu" => Get(requests, "cpu") ?? 0m,
            "limits.memory" => Get(limits, "memory") ?? allocatable.MemoryBytes,
            "requests.memory" => Get(requests, "memory") ?? 0m,
            "limits.ephemeral-storage" => Get(limits, "ephemeral-storage") ?? allocatable.EphemeralStorageBytes,
            "requests.ephemeral-storage" => Get(requests, "ephemeral-storage") ?? 0m,
            _ => null,
        };
        if (value is null)
        {
            throw new EnvConfigException($"unsupported container resource: {resource}");
        }

        var by = divisor?.ToDecimal() is { } d && d != 0 ? d : 1m;
        if (resource.EndsWith(".cpu", StringComparison.Ordinal))
        {
            // CPU is compared in millicores, as the kubelet does, so 0.5 / 1m is exactly 500.
            var millis = Math.Ceiling(value.Value * 1000m);
            var divisorMillis = Math.Max(1m, Math.Ceiling(by * 1000m));
            return ((long)Math.Ceiling(millis / divisorMillis)).ToString(CultureInfo.InvariantCulture);
        }

        return ((long)Math.Ceiling(value.Value / by)).ToString(CultureInfo.InvariantCulture);
    }

    public static bool IsValidEnvName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static decimal? Get(IDictionary<string, ResourceQuantity>? map, string key) =>
        map is not null && map.TryGetValue(key, out var q) && q is not null ? q.ToDecimal() : null;

    private static string? Subscript(string path, string prefix)
    {
        // metadata.labels['app.kubernetes.io/name']
        if (path.Length > prefix.Length + 4 && path.StartsWith(prefix + "['", StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
        {
            return path[(prefix.Length + 2)..^2];
        }

        return null;
    }

    private static string FormatMap(IDictionary<string, string>? map)
    {
        if (map is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            sb.Append(key).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('"');
        }

        return sb.ToString();
    }
}
