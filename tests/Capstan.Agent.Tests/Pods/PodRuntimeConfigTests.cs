using System.Net;
using Capstan.Agent.Dns;
using Capstan.Agent.Pods;
using k8s.Models;

namespace Capstan.Agent.Tests.Pods;

public sealed class PodRuntimeConfigTests
{
    private static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "team", Uid = "u1" },
        Spec = new V1PodSpec { Containers = containers },
    };

    [Fact]
    public void ContainerSecurity_ContainerOverridesPod()
    {
        var pod = Pod(new V1Container
        {
            Name = "c",
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = 2000,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Add = ["NET_ADMIN"], Drop = ["ALL"] },
            },
        });
        pod.Spec.SecurityContext = new V1PodSecurityContext
        {
            RunAsUser = 1000,
            RunAsGroup = 3000,
            RunAsNonRoot = true,
            SupplementalGroups = [4000],
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };

        var security = PodRuntimeConfig.ContainerSecurity(pod, pod.Spec.Containers[0]);

        Assert.Equal((2000L, 3000L, true, true, false), (security.RunAsUser, security.RunAsGroup, security.RunAsNonRoot, security.ReadOnlyRootFilesystem, security.AllowPrivilegeEscalation));
        Assert.Equal(["NET_ADMIN"], security.CapabilitiesAdd);
        Assert.Equal(["ALL"], security.CapabilitiesDrop);
        Assert.Equal([4000L], security.SupplementalGroups);
        Assert.Equal("RuntimeDefault", security.Seccomp?.Type);
    }

    [Fact]
    public void SandboxSecurity_AnyPrivilegedContainer_PrivilegedSandbox()
    {
        var pod = Pod(new V1Container { Name = "a" }, new V1Container { Name = "b", SecurityContext = new V1SecurityContext { Privileged = true } });

        Assert.True(PodRuntimeConfig.SandboxSecurity(pod).Privileged);
    }

    [Fact]
    public void PortMappings_HostPorts_MappedUnlessHostNetwork()
    {
        var pod = Pod(new V1Container { Name = "c", Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }, new V1ContainerPort { ContainerPort = 53, Protocol = "UDP" }] });

        var mapping = Assert.Single(PodRuntimeConfig.PortMappings(pod));
        Assert.Equal(new Runtime.PortMapping("TCP", 80, 8080, null), mapping);
        pod.Spec.HostNetwork = true;
        Assert.Empty(PodRuntimeConfig.PortMappings(pod));
    }

    [Theory]
    [InlineData(null, null, "besteffort")]
    [InlineData("100m", null, "burstable")]
    [InlineData("100m", "100m", "guaranteed")]
    public void CgroupParent_ByQosClass(string? request, string? limit, string qos)
    {
        var resources = new V1ResourceRequirements();
        if (request is not null)
        {
            resources.Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(request), ["memory"] = new("64Mi") };
        }

        if (limit is not null)
        {
            resources.Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(limit), ["memory"] = new("64Mi") };
        }

        var pod = Pod(new V1Container { Name = "c", Resources = resources });

        Assert.Equal($"/capstan/{qos}/podu1", PodRuntimeConfig.CgroupParent(pod));
    }

    [Fact]
    public void Dns_ClusterFirst_ClusterServerSearchesNdots()
    {
        var settings = new PodDnsSettings { ClusterDns = [IPAddress.Parse("10.43.0.10")], HostResolvConf = "/nonexistent" };

        var dns = PodRuntimeConfig.Dns(Pod(new V1Container { Name = "c" }), settings);

        Assert.Equal(["10.43.0.10"], dns?.Servers);
        Assert.Equal(["team.svc.cluster.local", "svc.cluster.local", "cluster.local"], dns?.Searches);
        Assert.Equal(["ndots:5"], dns?.Options);
    }

    [Fact]
    public void Dns_HostNetworkClusterFirst_HostDefault()
    {
        var pod = Pod(new V1Container { Name = "c" });
        pod.Spec.HostNetwork = true;

        Assert.Null(PodRuntimeConfig.Dns(pod, new PodDnsSettings { HostResolvConf = "/nonexistent" }));
    }
}
