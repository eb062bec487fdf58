using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Cri;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Cri.Tests;

/// <summary>The seam-to-CRI mapping, without a runtime.</summary>
public sealed class CriSpecsTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData(1L, 2)]
    [InlineData(250L, 256)]
    [InlineData(1000L, 1024)]
    public void Resources_CpuRequest_SharesAsKubelet(long? requestMillis, long shares)
    {
        var resources = CriSpecs.Resources(new ContainerResources(requestMillis, null, null));

        Assert.Equal(shares, resources.CpuShares);
        Assert.Equal(0, resources.CpuQuota);
    }

    [Fact]
    public void Resources_LimitsSet_QuotaOverPeriodAndMemory()
    {
        var resources = CriSpecs.Resources(new ContainerResources(500, 500, 64 * 1024 * 1024));

        Assert.Equal(100_000, resources.CpuPeriod);
        Assert.Equal(50_000, resources.CpuQuota);
        Assert.Equal(64 * 1024 * 1024, resources.MemoryLimitInBytes);
        Assert.Equal(-997, resources.OomScoreAdj);
    }

    [Fact]
    public void Container_AbsoluteLogPath_RelativeToSandboxLogDirectory()
    {
        var sandbox = CriSpecs.Sandbox(Sandbox());
        var config = Container() with { Command = ["sh"], Args = ["-c", "true"] };

        var container = CriSpecs.Container(config, sandbox);

        Assert.Equal("app/2.log", container.LogPath);
        Assert.Equal(["sh"], container.Command);
        Assert.Equal(["-c", "true"], container.Args);
        Assert.Equal(V1.NamespaceMode.Pod, container.Linux.SecurityContext.NamespaceOptions.Network);
    }

    [Fact]
    public void Container_SecurityAndMounts_Mapped()
    {
        var sandbox = CriSpecs.Sandbox(Sandbox() with { HostNetwork = true });
        var config = Container() with
        {
            Mounts = [new Mount("/host", "/data", true, MountPropagation.HostToContainer)],
            Security = new ContainerSecurity
            {
                RunAsUser = 1000,
                RunAsGroup = 2000,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                CapabilitiesAdd = ["NET_ADMIN"],
                CapabilitiesDrop = ["ALL"],
                Seccomp = new SeccompProfile("RuntimeDefault"),
            },
        };

        var container = CriSpecs.Container(config, sandbox);

        var security = container.Linux.SecurityContext;
        Assert.Equal(1000, security.RunAsUser.Value);
        Assert.Equal(2000, security.RunAsGroup.Value);
        Assert.True(security.ReadonlyRootfs);
        Assert.True(security.NoNewPrivs);
        Assert.Equal(["NET_ADMIN"], security.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], security.Capabilities.DropCapabilities);
        Assert.Equal(V1.SecurityProfile.Types.ProfileType.RuntimeDefault, security.Seccomp.ProfileType);
        Assert.Equal(V1.NamespaceMode.Node, security.NamespaceOptions.Network);
        var mount = Assert.Single(container.Mounts);
        Assert.True(mount.Readonly);
        Assert.Equal(V1.MountPropagation.PropagationHostToContainer, mount.Propagation);
    }

    [Fact]
    public void Sandbox_ConfigAnnotation_RoundTrips()
    {
        var config = Sandbox() with
        {
            Dns = new SandboxDns(["10.96.0.10"], ["svc.cluster.local"], ["ndots:5"]),
            PortMappings = [new PortMapping("UDP", 53, 1053, "127.0.0.1")],
            CgroupParent = "/kubepods/besteffort/podx",
        };

        var sandbox = CriSpecs.Sandbox(config);
        var back = CriSpecs.FromAnnotations(new Dictionary<string, string>(sandbox.Annotations));

        Assert.NotNull(back);
        Assert.Equal(sandbox, back);
        Assert.Equal(V1.Protocol.Udp, back.PortMappings[0].Protocol);
        Assert.Equal("/kubepods/besteffort/podx", back.Linux.CgroupParent);
    }

    private static PodSandboxConfig Sandbox() => new(
        "default", "web", "uid-1", 0, "web", "/var/log/pods/default_web_uid-1", new Dictionary<string, string>());

    private static ContainerConfig Container() => new(
        "app", 2, "capstan.io/busybox:1", [], [], null, [], ContainerResources.None,
        "/var/log/pods/default_web_uid-1/app/2.log", false, false, false, new Dictionary<string, string>());
}
