namespace Capstan.Agent.Pods;

/// <summary>Labels the agent puts on sandboxes and containers so that a restarted agent can tell whose they are.</summary>
public static class ContainerLabels
{
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string ContainerName = "io.kubernetes.container.name";
    public const string RestartCount = "io.kubernetes.container.restartCount";

    /// <summary>"init", "sidecar" or "regular".</summary>
    public const string ContainerKind = "capstan.io/container-kind";

    /// <summary>The image as the pod spec names it (runtimes with images may report the resolved reference instead).</summary>
    public const string Image = "capstan.io/image";

    /// <summary>On sandboxes: the node whose agent made it, so orphans are told apart from other users of a shared runtime.</summary>
    public const string Node = "capstan.io/node";
}
