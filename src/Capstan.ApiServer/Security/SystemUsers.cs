namespace Capstan.ApiServer.Security;

/// <summary>User names with a fixed meaning; the bootstrap policy binds roles to them.</summary>
public static class SystemUsers
{
    public const string Anonymous = "system:anonymous";

    /// <summary>The CN of the admin client certificate written to kubeconfig.yaml.</summary>
    public const string Admin = "system:admin";

    public const string KubeControllerManager = "system:kube-controller-manager";

    public const string KubeScheduler = "system:kube-scheduler";

    public const string KubeProxy = "system:kube-proxy";

    /// <summary>Who a node agent is while it presents the node-join token (Capstan's own name).</summary>
    public const string AgentJoin = "capstan:agent-join";

    /// <summary>Prefix of node identities: <c>system:node:&lt;nodeName&gt;</c> in group <c>system:nodes</c>.</summary>
    public const string NodePrefix = "system:node:";
}
