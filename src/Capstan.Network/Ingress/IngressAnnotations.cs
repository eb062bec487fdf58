namespace Capstan.Network.Ingress;

/// <summary>Annotations the ingress controller reads (ours under capstan.io, plus the Kubernetes ones it honours).</summary>
public static class IngressAnnotations
{
    /// <summary>On an IngressClass: "true" makes it the class of Ingresses that name none.</summary>
    public const string IsDefaultClass = "ingressclass.kubernetes.io/is-default-class";

    /// <summary>The deprecated class annotation, still honoured when spec.ingressClassName is unset.</summary>
    public const string LegacyClass = "kubernetes.io/ingress.class";

    /// <summary>
    /// Marks an Ingress as a canary and gives its share, 0 to <see cref="CanaryWeightTotal"/> (default 100): each of its
    /// paths adds its backend to the same host, path and pathType of the primary (non-canary) Ingress, which keeps the
    /// rest. A canary with no primary route serves nothing. The canary controller moves traffic by rewriting this value.
    /// </summary>
    public const string CanaryWeight = "capstan.io/canary-weight";

    /// <summary>The total the canary weight is out of (default 100).</summary>
    public const string CanaryWeightTotal = "capstan.io/canary-weight-total";

    /// <summary>Turns on an HTTP probe of this path on every endpoint of the Ingress's backends (2xx/3xx is healthy).</summary>
    public const string HealthCheckPath = "capstan.io/health-check-path";
}
