using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Capstan.Api.OpenApi;
using Capstan.Api.Registry;
using Capstan.Api.Schema;

namespace Capstan.Api.Tests.OpenApi;

public sealed class OpenApiDocumentsTests
{
    private static readonly OpenApiDocuments Docs = OpenApiDocuments.Build(ResourceRegistry.BuiltIn);

    private static JsonObject V2 { get; } = JsonNode.Parse(Docs.V2Json)!.AsObject();

    private static JsonObject V3(string path) => JsonNode.Parse(Docs.V3ForGroupVersion(path)!)!.AsObject();

    [Fact]
    public void Build_SameRegistry_ReturnsCachedInstance()
    {
        Assert.Same(Docs, OpenApiDocuments.Build(ResourceRegistry.BuiltIn));
    }

    [Fact]
    public void V2_Pod_HasGroupVersionKindAndReferences()
    {
        var pod = V2["definitions"]!["io.k8s.api.core.v1.Pod"]!.AsObject();
        var gvk = Assert.Single(pod["x-kubernetes-group-version-kind"]!.AsArray())!;
        Assert.Equal("", (string)gvk["group"]!);
        Assert.Equal("Pod", (string)gvk["kind"]!);
        Assert.Equal("v1", (string)gvk["version"]!);
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", (string)pod["properties"]!["metadata"]!["$ref"]!);
        Assert.Equal("#/definitions/io.k8s.api.core.v1.PodSpec", (string)pod["properties"]!["spec"]!["$ref"]!);
    }

    [Fact]
    public void V2_Scalars_HaveKubernetesTypesAndFormats()
    {
        var definitions = V2["definitions"]!;
        Assert.Equal("string", (string)definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]!["type"]!);
        Assert.Equal("int-or-string", (string)definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["format"]!);
        Assert.Equal("date-time", (string)definitions["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]!["format"]!);
        var port = definitions["io.k8s.api.core.v1.ContainerPort"]!;
        Assert.Equal("int32", (string)port["properties"]!["containerPort"]!["format"]!);
        Assert.Contains("containerPort", port["required"]!.AsArray().Select(n => (string)n!));
        var meta = definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!;
        Assert.Equal("int64", (string)meta["generation"]!["format"]!);
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time", (string)meta["creationTimestamp"]!["$ref"]!);
        Assert.Equal("string", (string)meta["labels"]!["additionalProperties"]!["type"]!);
        var secretData = definitions["io.k8s.api.core.v1.Secret"]!["properties"]!["data"]!;
        Assert.Equal("byte", (string)secretData["additionalProperties"]!["format"]!);
        var limits = definitions["io.k8s.api.core.v1.ResourceRequirements"]!["properties"]!["limits"]!;
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity", (string)limits["additionalProperties"]!["$ref"]!);
        var eventTime = definitions["io.k8s.api.events.v1.Event"]!["properties"]!["eventTime"]!;
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", (string)eventTime["$ref"]!);
    }

    [Fact]
    public void V2_EveryReference_Resolves()
    {
        var definitions = V2["definitions"]!.AsObject();
        foreach (var reference in References(V2))
        {
            Assert.StartsWith("#/definitions/", reference);
            Assert.True(definitions.ContainsKey(reference["#/definitions/".Length..]), reference);
        }
    }

    [Fact]
    public void V2_DeploymentPatch_HasParametersActionAndPatchTypes()
    {
        var patch = V2["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Equal("patch", (string)patch["x-kubernetes-action"]!);
        Assert.Equal("Deployment", (string)patch["x-kubernetes-group-version-kind"]!["kind"]!);
        Assert.Equal("apps", (string)patch["x-kubernetes-group-version-kind"]!["group"]!);
        var names = patch["parameters"]!.AsArray().Select(p => (string)p!["name"]!).ToArray();
        Assert.Contains("dryRun", names);
        Assert.Contains("fieldManager", names);
        Assert.Contains("fieldValidation", names);
        Assert.Contains("body", names);
        var consumes = patch["consumes"]!.AsArray().Select(c => (string)c!).ToArray();
        Assert.Equal(
            ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"],
            consumes);
    }

    [Fact]
    public void V2_Paths_CoverVerbsAndSubresources()
    {
        var paths = V2["paths"]!.AsObject();
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods"]!["get"]);
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods"]!["post"]);
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods"]!["delete"]);
        Assert.NotNull(paths["/api/v1/pods"]!["get"]);
        Assert.NotNull(paths["/api/v1/watch/namespaces/{namespace}/pods/{name}"]!["get"]);
        Assert.NotNull(paths["/api/v1/nodes/{name}"]!["put"]);
        Assert.NotNull(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]!["patch"]);
        var scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]!["put"]!;
        Assert.Equal("Scale", (string)scale["x-kubernetes-group-version-kind"]!["kind"]!);
        Assert.Equal("autoscaling", (string)scale["x-kubernetes-group-version-kind"]!["group"]!);
        Assert.Null(paths["/api/v1/namespaces"]!["delete"]); // namespaces have no deletecollection
        var review = paths["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]!.AsObject();
        Assert.NotNull(review["post"]);
        Assert.Null(review["get"]);
        Assert.False(paths.ContainsKey("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}"));
    }

    [Fact]
    public void V3Index_ListsEveryGroupVersionWithItsHash()
    {
        var index = JsonNode.Parse(Docs.V3Index)!["paths"]!.AsObject();
        Assert.Contains("api/v1", index.Select(p => p.Key));
        Assert.Contains("apis/apps/v1", index.Select(p => p.Key));
        Assert.Contains("apis/autoscaling/v2", index.Select(p => p.Key));
        foreach (var (path, entry) in index)
        {
            var hash = Convert.ToHexString(SHA512.HashData(Docs.V3ForGroupVersion(path)!));
            Assert.Equal($"/openapi/v3/{path}?hash={hash}", (string)entry!["serverRelativeURL"]!);
            Assert.Equal($"\"{hash}\"", Docs.V3ETag(path));
        }
    }

    [Fact]
    public void V3ForGroupVersion_Unknown_ReturnsNull()
    {
        Assert.Null(Docs.V3ForGroupVersion("apis/nope/v1"));
        Assert.NotNull(Docs.V3ForGroupVersion("/openapi/v3/apis/apps/v1?hash=x"));
    }

    [Fact]
    public void V3Apps_HasOnlyItsPathsAndResolvableSchemas()
    {
        var doc = V3("apis/apps/v1");
        Assert.Equal("3.0.0", (string)doc["openapi"]!);
        Assert.All(doc["paths"]!.AsObject(), p => Assert.StartsWith("/apis/apps/v1/", p.Key));
        var schemas = doc["components"]!["schemas"]!.AsObject();
        foreach (var reference in References(doc))
        {
            Assert.StartsWith("#/components/schemas/", reference);
            Assert.True(schemas.ContainsKey(reference["#/components/schemas/".Length..]), reference);
        }

        var spec = schemas["io.k8s.api.apps.v1.Deployment"]!["properties"]!["spec"]!;
        Assert.Equal("#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec", (string)spec["allOf"]![0]!["$ref"]!);
        Assert.NotNull(schemas["io.k8s.api.core.v1.PodSpec"]);
    }

    [Fact]
    public void V3_MultiTypeScalars_UseOneOfWithoutTopLevelType()
    {
        var schemas = V3("api/v1")["components"]!["schemas"]!;
        var quantity = schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]!.AsObject();
        Assert.False(quantity.ContainsKey("type"));
        Assert.Equal(["string", "number"], quantity["oneOf"]!.AsArray().Select(t => (string)t!["type"]!));
        var intOrString = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!.AsObject();
        Assert.Equal("int-or-string", (string)intOrString["format"]!);
        Assert.Equal(["integer", "string"], intOrString["oneOf"]!.AsArray().Select(t => (string)t!["type"]!));
    }

    [Fact]
    public void V3_PatchOperation_HasFieldValidationAndPatchContentTypes()
    {
        var patch = V3("api/v1")["paths"]!["/api/v1/namespaces/{namespace}/configmaps/{name}"]!["patch"]!;
        Assert.Equal("ConfigMap", (string)patch["x-kubernetes-group-version-kind"]!["kind"]!);
        var parameter = patch["parameters"]!.AsArray().Single(p => (string)p!["name"]! == "fieldValidation")!;
        Assert.Equal("query", (string)parameter["in"]!);
        Assert.Equal("string", (string)parameter["schema"]!["type"]!);
        var content = patch["requestBody"]!["content"]!.AsObject();
        Assert.Contains("application/strategic-merge-patch+json", content.Select(c => c.Key));
        Assert.Contains("application/apply-patch+yaml", content.Select(c => c.Key));
    }

    [Fact]
    public void Create_Twice_GivesIdenticalBytes()
    {
        var first = OpenApiDocuments.Create(ResourceRegistry.BuiltIn, ModelDocs.Empty);
        var second = OpenApiDocuments.Create(ResourceRegistry.BuiltIn, ModelDocs.Empty);
        Assert.Equal(first.V2Json, second.V2Json);
        Assert.Equal(first.V3Index, second.V3Index);
        Assert.Equal(first.V2Protobuf, second.V2Protobuf);
    }

    [Fact]
    public void V2_EveryPatchMarker_AppearsOnItsProperty()
    {
        var names = new DefinitionNames(ResourceRegistry.BuiltIn);
        var definitions = V2["definitions"]!.AsObject();
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(ResourceRegistry.BuiltIn.Resources.Select(r => r.ModelType!));
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type) || !ModelSchema.IsModel(type))
            {
                continue;
            }

            var definition = definitions[names.Find(type)!]!;
            foreach (var field in ModelSchema.For(type).Fields.Values)
            {
                if (field.Nested is { } nested)
                {
                    pending.Enqueue(nested.ClrType);
                }

                if (field.Patch is not { } patch)
                {
                    continue;
                }

                var property = definition["properties"]![field.JsonName]!;
                Assert.Equal(patch.PatchStrategy, (string?)property["x-kubernetes-patch-strategy"]);
                Assert.Equal(patch.PatchMergeKey, (string?)property["x-kubernetes-patch-merge-key"]);
                Assert.Equal(patch.ListType, (string?)property["x-kubernetes-list-type"]);
                Assert.Equal(patch.MapType, (string?)property["x-kubernetes-map-type"]);
                Assert.Equal(patch.ListMapKeys ?? [], property["x-kubernetes-list-map-keys"]?.AsArray().Select(k => (string)k!).ToArray() ?? []);
            }
        }
    }

    [Fact]
    public void Descriptions_LoadedFromPackageDocs()
    {
        var docs = ModelDocs.Default;
        Assert.True(docs.Count > 1000, "KubernetesClient.xml should be copied to the output directory");
        var pod = V2["definitions"]!["io.k8s.api.core.v1.Pod"]!;
        Assert.False(string.IsNullOrEmpty((string?)pod["description"]));
        Assert.False(string.IsNullOrEmpty((string?)pod["properties"]!["spec"]!["description"]));
    }

    [Fact]
    public void Create_WithoutDocs_LeavesDescriptionsOut()
    {
        var docs = OpenApiDocuments.Create(ResourceRegistry.BuiltIn, ModelDocs.Empty);
        var pod = JsonNode.Parse(docs.V2Json)!["definitions"]!["io.k8s.api.core.v1.Pod"]!;
        Assert.Null(pod["description"]);
    }

    private static IEnumerable<string> References(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref")
                    {
                        yield return (string)value!;
                    }
                    else if (value is not null)
                    {
                        foreach (var r in References(value))
                        {
                            yield return r;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.OfType<JsonNode>())
                {
                    foreach (var r in References(item))
                    {
                        yield return r;
                    }
                }

                break;
        }
    }
}
