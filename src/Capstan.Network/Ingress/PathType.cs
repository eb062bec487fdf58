namespace Capstan.Network.Ingress;

/// <summary>How an Ingress path matches (networking.k8s.io/v1 pathType); ImplementationSpecific matches as Prefix.</summary>
public enum PathType
{
    Exact,
    Prefix,
}
