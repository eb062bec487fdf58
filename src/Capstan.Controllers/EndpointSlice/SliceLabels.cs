namespace Capstan.Controllers.EndpointSlice;

/// <summary>The labels that tie a slice to its Service and say which controller manages it.</summary>
public static class SliceLabels
{
    public const string ServiceName = "kubernetes.io/service-name";

    public const string ManagedBy = "endpointslice.kubernetes.io/managed-by";

    public const string ControllerName = "endpointslice-controller.k8s.io";

    public const string MirroringControllerName = "endpointslicemirroring-controller.k8s.io";
}
