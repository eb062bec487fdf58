using System.Text.Json.Nodes;
using Capstan.Agent.Dns;
using Capstan.Agent.Runtime;
using Capstan.Api.Kinds.Core;
using k8s;
using k8s.Models;

namespace Capstan.Agent.Pods;

/// <summary>
/// The parts of the runtime's sandbox and container configuration that come straight from the pod spec, as the kubelet
/// fills the CRI's PodSandboxConfig and ContainerConfig: DNS, hostPort mappings, host network, the QoS cgroup parent,
/// and the pod's securityContext merged with each container's.
/// </summary>
internal static class PodRuntimeConfig
{
    /// <summary>Pod cgroups live under this root of the cgroupfs hierarchy, one folder per QoS class (the kubelet's kubepods).</summary>
    public const string CgroupRoot = "capstan";

    /// <summary>The pod's resolv.conf settings, or null when the pod keeps the host's (Default policy without dnsConfig, hostNetwork with ClusterFirst).</summary>
    public static SandboxDns? Dns(V1Pod pod, PodDnsSettings settings) =>
        PodResolvConf.For(pod, settings, ResolvConf.Load(settings.HostResolvConf)) is { } conf
            ? new SandboxDns(conf.Nameservers, conf.Searches, conf.Options)
            : null;

    /// <summary>hostPort mappings of every container (hostNetwork pods use the node's ports directly and get none).</summary>
    public static IReadOnlyList<PortMapping> PortMappings(V1Pod pod)
    {
        if (pod.Spec.HostNetwork == true)
        {
            return [];
        }

        return [.. (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers)
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => new PortMapping(string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol, p.ContainerPort, p.HostPort!.Value, string.IsNullOrEmpty(p.HostIP) ? null : p.HostIP))];
    }

    /// <summary>/capstan/{guaranteed|burstable|besteffort}/pod&lt;uid&gt;: a path from the root of the cgroupfs hierarchy, as the kubelet passes /kubepods/....</summary>
    public static string CgroupParent(V1Pod pod) => $"/{CgroupRoot}/{QosClass(pod).ToLowerInvariant()}/pod{pod.Metadata.Uid}";

    public static string QosClass(V1Pod pod) =>
        pod.Status?.QosClass is { Length: > 0 } qos ? qos : PodQos.Compute(JsonNode.Parse(KubernetesJson.Serialize(pod.Spec))!.AsObject());

    public static SandboxSecurity SandboxSecurity(V1Pod pod)
    {
        var ctx = pod.Spec.SecurityContext;
        return new SandboxSecurity
        {
            RunAsUser = ctx?.RunAsUser,
            RunAsGroup = ctx?.RunAsGroup,
            SupplementalGroups = [.. (ctx?.SupplementalGroups ?? []).OfType<long>()],
            Privileged = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).Any(c => c.SecurityContext?.Privileged == true),
            Seccomp = Seccomp(ctx?.SeccompProfile),
            Sysctls = (ctx?.Sysctls ?? []).Where(s => !string.IsNullOrEmpty(s.Name)).GroupBy(s => s.Name)
                .ToDictionary(g => g.Key, g => g.Last().Value ?? "", StringComparer.Ordinal),
        };
    }

    /// <summary>The container's securityContext over the pod's (runAsUser/Group, runAsNonRoot and seccomp may come from either).</summary>
    public static ContainerSecurity ContainerSecurity(V1Pod pod, V1Container container)
    {
        var podCtx = pod.Spec.SecurityContext;
        var ctx = container.SecurityContext;
        return new ContainerSecurity
        {
            RunAsUser = ctx?.RunAsUser ?? podCtx?.RunAsUser,
            RunAsGroup = ctx?.RunAsGroup ?? podCtx?.RunAsGroup,
            RunAsNonRoot = (ctx?.RunAsNonRoot ?? podCtx?.RunAsNonRoot) == true,
            ReadOnlyRootFilesystem = ctx?.ReadOnlyRootFilesystem == true,
            Privileged = ctx?.Privileged == true,
            AllowPrivilegeEscalation = ctx?.AllowPrivilegeEscalation,
            CapabilitiesAdd = [.. ctx?.Capabilities?.Add ?? []],
            CapabilitiesDrop = [.. ctx?.Capabilities?.Drop ?? []],
            SupplementalGroups = [.. (podCtx?.SupplementalGroups ?? []).OfType<long>()],
            Seccomp = Seccomp(ctx?.SeccompProfile) ?? Seccomp(podCtx?.SeccompProfile),
        };
    }

    private static SeccompProfile? Seccomp(V1SeccompProfile? profile) =>
        profile is { Type.Length: > 0 } ? new SeccompProfile(profile.Type, profile.LocalhostProfile) : null;
}
