using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;

namespace Capstan.Controllers.Endpoints;

/// <summary>Pod events as Service keys: a pod change requeues every Service whose selector matches the pod now or matched it before.</summary>
internal static class ServicePodEvents
{
    public static ResourceEventHandler Handler(IndexedCache services, Action<string> enqueue) => new()
    {
        OnAdd = pod => EnqueueServicesOf(services, pod, enqueue),
        OnUpdate = (old, pod) =>
        {
            // A namespace without Services (the pod's namespace is the same before and after) needs no comparison.
            if (services.CountByIndex(IndexedCache.NamespaceIndex, pod.GetNamespace()) == 0 || !Relevant(old, pod))
            {
                return;
            }

            EnqueueServicesOf(services, pod, enqueue);
            if (!JsonNode.DeepEquals(old["metadata"]?["labels"], pod["metadata"]?["labels"]))
            {
                EnqueueServicesOf(services, old, enqueue);
            }
        },
        OnDelete = pod => EnqueueServicesOf(services, pod, enqueue),
    };

    private static void EnqueueServicesOf(IndexedCache services, JsonObject pod, Action<string> enqueue)
    {
        var labels = LabelSelector.ToDictionary(pod["metadata"]?["labels"] as JsonObject);
        foreach (var service in services.ByIndex(IndexedCache.NamespaceIndex, pod.GetNamespace()))
        {
            if (PodEndpoints.HasSelector(service) && PodEndpoints.Selector(service).Matches(labels))
            {
                enqueue(service.GetKey());
            }
        }
    }

    // Only what endpoints are made of: a status-only heartbeat of another field should not resync every Service.
    private static bool Relevant(JsonObject old, JsonObject pod) =>
        !JsonNode.DeepEquals(old["metadata"]?["labels"], pod["metadata"]?["labels"])
        || old.IsBeingDeleted() != pod.IsBeingDeleted()
        || !PodEndpoints.PodIps(old).SequenceEqual(PodEndpoints.PodIps(pod), StringComparer.Ordinal)
        || (old["status"] as JsonObject)?.Str("phase") != (pod["status"] as JsonObject)?.Str("phase")
        || !JsonNode.DeepEquals(Ready(old), Ready(pod))
        || (old["spec"] as JsonObject)?.Str("nodeName") != (pod["spec"] as JsonObject)?.Str("nodeName")
        || (old["spec"] as JsonObject)?.Str("hostname") != (pod["spec"] as JsonObject)?.Str("hostname")
        || (old["spec"] as JsonObject)?.Str("subdomain") != (pod["spec"] as JsonObject)?.Str("subdomain");

    private static JsonNode? Ready(JsonObject pod) => Pods.PodFacts.Condition(pod, "Ready")?["status"];
}
