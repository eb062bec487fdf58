using Google.Protobuf;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>Turns the runtime seam's configs into CRI v1 messages, the way the kubelet fills them.</summary>
internal static class CriSpecs
{
    /// <summary>Sandbox annotation holding the serialized sandbox config: CreateContainer must repeat it, also after an agent restart.</summary>
    public const string SandboxConfigAnnotation = "capstan.io/cri-sandbox-config";

    private const long CpuPeriod = 100_000;
    private const long MinShares = 2;
    private const long MinQuota = 1_000;

    public static V1.PodSandboxConfig Sandbox(PodSandboxConfig config)
    {
        var security = config.Security;
        var sandbox = new V1.PodSandboxConfig
        {
            Metadata = new V1.PodSandboxMetadata
            {
                Name = config.Name,
                Namespace = config.Namespace,
                Uid = config.Uid,
                Attempt = (uint)config.Attempt,
            },
            Hostname = config.HostNetwork ? "" : config.Hostname,
            LogDirectory = config.LogDirectory,
            Linux = new V1.LinuxPodSandboxConfig
            {
                CgroupParent = config.CgroupParent ?? "",
                SecurityContext = new V1.LinuxSandboxSecurityContext
                {
                    NamespaceOptions = Namespaces(config.HostNetwork),
                    Privileged = security.Privileged,
                    Seccomp = Seccomp(security.Seccomp),
                },
            },
        };
        Copy(config.Labels, sandbox.Labels);
        Copy(config.Annotations, sandbox.Annotations);
        Copy(security.Sysctls, sandbox.Linux.Sysctls);
        var linuxSecurity = sandbox.Linux.SecurityContext;
        if (security.RunAsUser is { } uid)
        {
            linuxSecurity.RunAsUser = new V1.Int64Value { Value = uid };
        }

        if (security.RunAsGroup is { } gid)
        {
            linuxSecurity.RunAsGroup = new V1.Int64Value { Value = gid };
        }

        linuxSecurity.SupplementalGroups.Add(security.SupplementalGroups);
        if (config.Dns is { } dns)
        {
            sandbox.DnsConfig = new V1.DNSConfig();
            sandbox.DnsConfig.Servers.Add(dns.Servers);
            sandbox.DnsConfig.Searches.Add(dns.Searches);
            sandbox.DnsConfig.Options.Add(dns.Options);
        }

        foreach (var port in config.PortMappings)
        {
            sandbox.PortMappings.Add(new V1.PortMapping
            {
                Protocol = port.Protocol.ToUpperInvariant() switch
                {
                    "UDP" => V1.Protocol.Udp,
                    "SCTP" => V1.Protocol.Sctp,
                    _ => V1.Protocol.Tcp,
                },
                ContainerPort = port.ContainerPort,
                HostPort = port.HostPort,
                HostIp = port.HostIp ?? "",
            });
        }

        // Without the sandbox's own copy the annotation would nest: serialize before adding it.
        var serialized = Convert.ToBase64String(sandbox.ToByteArray());
        sandbox.Annotations[SandboxConfigAnnotation] = serialized;
        return sandbox;
    }

    /// <summary>The sandbox config recorded by <see cref="Sandbox"/>, read back from the sandbox's annotations.</summary>
    public static V1.PodSandboxConfig? FromAnnotations(IReadOnlyDictionary<string, string> annotations)
    {
        if (!annotations.TryGetValue(SandboxConfigAnnotation, out var serialized))
        {
            return null;
        }

        try
        {
            var config = V1.PodSandboxConfig.Parser.ParseFrom(Convert.FromBase64String(serialized));
            config.Annotations[SandboxConfigAnnotation] = serialized;
            return config;
        }
        catch (Exception e) when (e is FormatException or InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public static V1.ContainerConfig Container(ContainerConfig config, V1.PodSandboxConfig sandbox)
    {
        var container = new V1.ContainerConfig
        {
            Metadata = new V1.ContainerMetadata { Name = config.Name, Attempt = (uint)config.Attempt },
            Image = new V1.ImageSpec { Image = config.ImageRef ?? config.Image },
            WorkingDir = config.WorkingDir ?? "",
            LogPath = RelativeLogPath(sandbox.LogDirectory, config.LogPath),
            Stdin = config.Stdin,
            StdinOnce = config.StdinOnce,
            Tty = config.Tty,
            Linux = new V1.LinuxContainerConfig
            {
                Resources = Resources(config.Resources),
                SecurityContext = Security(config.Security, sandbox),
            },
        };

        // A spec with neither command nor args runs the image's entrypoint and cmd; Argv is the process runtime's view.
        if (config.Command.Count > 0 || config.Args.Count > 0)
        {
            container.Command.Add(config.Command);
            container.Args.Add(config.Args);
        }
        else if (config.Argv.Count > 0)
        {
            container.Command.Add(config.Argv);
        }

        foreach (var (key, value) in config.Env)
        {
            container.Envs.Add(new V1.KeyValue { Key = key, Value = value });
        }

        foreach (var mount in config.Mounts)
        {
            container.Mounts.Add(new V1.Mount
            {
                HostPath = mount.HostPath,
                ContainerPath = mount.ContainerPath,
                Readonly = mount.ReadOnly,
                Propagation = mount.Propagation switch
                {
                    MountPropagation.HostToContainer => V1.MountPropagation.PropagationHostToContainer,
                    MountPropagation.Bidirectional => V1.MountPropagation.PropagationBidirectional,
                    _ => V1.MountPropagation.PropagationPrivate,
                },
            });
        }

        Copy(config.Labels, container.Labels);
        Copy(config.Annotations, container.Annotations);
        return container;
    }

    private static void Copy(IReadOnlyDictionary<string, string> from, Google.Protobuf.Collections.MapField<string, string> to)
    {
        foreach (var (key, value) in from)
        {
            to[key] = value;
        }
    }

    /// <summary>The CRI takes the log path relative to the sandbox's log directory; the seam hands it absolute.</summary>
    public static string RelativeLogPath(string logDirectory, string logPath) =>
        string.IsNullOrEmpty(logDirectory) || !Path.IsPathRooted(logPath) ? logPath : Path.GetRelativePath(logDirectory, logPath);

    public static V1.LinuxContainerResources Resources(ContainerResources resources)
    {
        var linux = new V1.LinuxContainerResources
        {
            // Kubernetes' formula: a request of 1 CPU is 1024 shares; no request gets the minimum, 2.
            CpuShares = Math.Max(MinShares, (resources.CpuRequestMillis ?? 0) * 1024 / 1000),
            OomScoreAdj = OomScoreAdj(resources),
        };
        if (resources.CpuLimitMillis is { } limit)
        {
            linux.CpuPeriod = CpuPeriod;
            linux.CpuQuota = Math.Max(MinQuota, limit * CpuPeriod / 1000);
        }

        if (resources.MemoryLimitBytes is { } memory)
        {
            linux.MemoryLimitInBytes = memory;
        }

        return linux;
    }

    /// <summary>
    /// The kubelet's QoS scores as far as the seam tells them: best effort (no resources) is killed first (1000),
    /// guaranteed-like (memory limit and cpu limit equal to its request) last (-997), burstable in between by its
    /// share of the node's memory. containerd with restrict_oom_score_adj raises what is below its own score.
    /// </summary>
    private static long OomScoreAdj(ContainerResources resources)
    {
        if (resources.CpuRequestMillis is null && resources.CpuLimitMillis is null && resources.MemoryLimitBytes is null)
        {
            return 1000;
        }

        if (resources.MemoryLimitBytes is not null && resources.CpuLimitMillis is { } cpu && resources.CpuRequestMillis == cpu)
        {
            return -997;
        }

        var capacity = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var memory = resources.MemoryLimitBytes ?? 0;
        var score = capacity > 0 ? 1000 - (1000 * memory / capacity) : 1000;
        return Math.Clamp(score, 2, 999);
    }

    private static V1.LinuxContainerSecurityContext Security(ContainerSecurity security, V1.PodSandboxConfig sandbox)
    {
        var hostNetwork = sandbox.Linux?.SecurityContext?.NamespaceOptions?.Network == V1.NamespaceMode.Node;
        var context = new V1.LinuxContainerSecurityContext
        {
            NamespaceOptions = Namespaces(hostNetwork),
            Privileged = security.Privileged,
            ReadonlyRootfs = security.ReadOnlyRootFilesystem,
            NoNewPrivs = security.AllowPrivilegeEscalation == false && !security.Privileged,
            Seccomp = Seccomp(security.Seccomp),
        };
        if (security.RunAsUser is { } uid)
        {
            context.RunAsUser = new V1.Int64Value { Value = uid };
        }

        if (security.RunAsGroup is { } gid)
        {
            context.RunAsGroup = new V1.Int64Value { Value = gid };
        }

        context.SupplementalGroups.Add(security.SupplementalGroups);
        if (security.CapabilitiesAdd.Count > 0 || security.CapabilitiesDrop.Count > 0)
        {
            // containerd takes the spec's names with or without CAP_; "ALL" is understood in both lists.
            context.Capabilities = new V1.Capability();
            context.Capabilities.AddCapabilities.Add(security.CapabilitiesAdd);
            context.Capabilities.DropCapabilities.Add(security.CapabilitiesDrop);
        }

        return context;
    }

    /// <summary>Pods get their own network namespace unless hostNetwork; each container its own PID namespace (shareProcessNamespace unset); IPC is the pod's.</summary>
    private static V1.NamespaceOption Namespaces(bool hostNetwork) => new()
    {
        Network = hostNetwork ? V1.NamespaceMode.Node : V1.NamespaceMode.Pod,
        Pid = V1.NamespaceMode.Container,
        Ipc = V1.NamespaceMode.Pod,
    };

    /// <summary>Null leaves the field unset, which containerd runs unconfined (Kubernetes' default without seccompDefault).</summary>
    private static V1.SecurityProfile? Seccomp(SeccompProfile? profile) => profile?.Type switch
    {
        null => null,
        "RuntimeDefault" => new V1.SecurityProfile { ProfileType = V1.SecurityProfile.Types.ProfileType.RuntimeDefault },
        "Localhost" => new V1.SecurityProfile
        {
            ProfileType = V1.SecurityProfile.Types.ProfileType.Localhost,
            LocalhostRef = profile.LocalhostProfile ?? "",
        },
        _ => new V1.SecurityProfile { ProfileType = V1.SecurityProfile.Types.ProfileType.Unconfined },
    };
}
