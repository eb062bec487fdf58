using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Endpoints;

/// <summary>The resources the service controllers (endpoints, slices, mirroring, ServiceLB) read and write.</summary>
internal static class ServiceResources
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static readonly ApiResource Services = new("", "v1", "services", "Service", true, Verbs);

    public static readonly ApiResource Endpoints = new("", "v1", "endpoints", "Endpoints", true, Verbs);

    public static readonly ApiResource EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, Verbs);
}
