using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Caching;

namespace Capstan.ApiServer.Admission;

/// <summary>
/// Kubernetes' DefaultIngressClass plugin: a new Ingress that names no class (neither <c>spec.ingressClassName</c> nor
/// the old <c>kubernetes.io/ingress.class</c> annotation) gets the default IngressClass (annotation
/// <c>ingressclass.kubernetes.io/is-default-class: "true"</c>; with several, the newest).
/// </summary>
public sealed class DefaultIngressClass(WatchCache cache) : IMutatingAdmission
{
    public const string DefaultAnnotation = "ingressclass.kubernetes.io/is-default-class";

    public string Name => "DefaultIngressClass";

    public void AdmitCreate(ResourceInfo resource, JsonObject obj)
    {
        if (resource.Group != "networking.k8s.io" || resource.Kind != "Ingress" || obj["spec"] is not JsonObject spec
            || spec["ingressClassName"] is not null || obj["metadata"]?["annotations"]?["kubernetes.io/ingress.class"] is not null)
        {
            return;
        }

        if (DefaultClass.Find(cache, "networking.k8s.io", "IngressClass", DefaultAnnotation) is { } best)
        {
            spec["ingressClassName"] = best;
        }
    }
}
