using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Hosting;

/// <summary>Objects every cluster has: the system namespaces and the <c>kubernetes</c> Service. Created when missing, left alone otherwise.</summary>
public static class Bootstrap
{
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureAsync(ResourceStore store, IEnumerable<JsonObject> extraObjects, int apiPort, string serviceIp, CancellationToken ct)
    {
        var registry = store.Cache.Registry;
        var options = new WriteOptions { FieldManager = "capstan-bootstrap", FieldValidation = "Ignore" };
        foreach (var ns in SystemNamespaces)
        {
            await EnsureAsync(store, registry, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
            }, options, ct).ConfigureAwait(false);
        }

        await EnsureAsync(store, registry, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject
            {
                ["name"] = "kubernetes",
                ["namespace"] = "default",
                ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new JsonObject
            {
                ["type"] = "ClusterIP",
                ["clusterIP"] = serviceIp,
                ["clusterIPs"] = new JsonArray(serviceIp),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = apiPort }),
                ["sessionAffinity"] = "None",
            },
        }, options, ct).ConfigureAwait(false);

        foreach (var obj in extraObjects)
        {
            await EnsureAsync(store, registry, obj, options, ct).ConfigureAwait(false);
        }
    }

    private static async Task EnsureAsync(ResourceStore store, ResourceRegistry registry, JsonObject obj, WriteOptions options, CancellationToken ct)
    {
        var r = registry.FindByApiVersionKind(ObjectMeta.Str(obj["apiVersion"]), ObjectMeta.Str(obj["kind"]))
            ?? throw new InvalidOperationException($"bootstrap object of unknown kind {obj["kind"]}");
        var ns = r.Namespaced ? ObjectMeta.Namespace(obj) : "";
        if (await store.TryGetCachedAsync(r, ns, ObjectMeta.Name(obj), ct).ConfigureAwait(false) is not null)
        {
            return;
        }

        try
        {
            await store.CreateAsync(r, ns, obj, options, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.Code == 409)
        {
        }
    }
}
