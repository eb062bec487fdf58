using Capstan.Client.Dynamic;

namespace Capstan.Network.Catalog;

/// <summary>The resources the network components watch.</summary>
public static class NetworkResources
{
    private static readonly string[] s_readVerbs = ["get", "list", "watch"];

    public static readonly ApiResource Services = new("", "v1", "services", "Service", true, s_readVerbs);

    public static readonly ApiResource EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, s_readVerbs);

    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, s_readVerbs);

    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false, s_readVerbs);

    public static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true, s_readVerbs);

    public static readonly ApiResource Ingresses = new("networking.k8s.io", "v1", "ingresses", "Ingress", true, ["get", "list", "watch", "update"]);

    public static readonly ApiResource IngressClasses = new("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, s_readVerbs);
}
