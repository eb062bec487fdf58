using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;

namespace Capstan.Api.OpenApi;

/// <summary>
/// The OpenAPI documents the API server serves, built once per registry and kept as bytes:
/// <c>/openapi/v2</c> (Swagger 2.0, every resource), <c>/openapi/v3</c> (the index of group versions) and
/// <c>/openapi/v3/&lt;group version path&gt;</c> (OpenAPI 3.0, one group version each).
/// </summary>
/// <remarks>
/// The index links each group version as <c>/openapi/v3/apis/apps/v1?hash=&lt;SHA-512 of its bytes&gt;</c>, as Kubernetes does:
/// clients cache a document by that URL for good. A request with a stale hash should be redirected to the current one.
/// </remarks>
public sealed class OpenApiDocuments
{
    /// <summary>The Kubernetes release whose API we describe, shown in the documents' info block.</summary>
    public const string KubernetesVersion = "v1.32.0";

    private static readonly ConditionalWeakTable<ResourceRegistry, OpenApiDocuments> Cache = new();

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, (byte[] Json, string Hash)> _v3;

    private OpenApiDocuments(byte[] v2Json, byte[] v2Protobuf, Dictionary<string, (byte[] Json, string Hash)> v3, byte[] v3Index)
    {
        V2Json = v2Json;
        V2ETag = Quote(Hash(v2Json));
        V2Protobuf = v2Protobuf;
        V2ProtobufETag = Quote(Hash(v2Protobuf));
        _v3 = v3;
        V3Index = v3Index;
        V3IndexETag = Quote(Hash(v3Index));
    }

    /// <summary>The Swagger 2.0 document of every served resource.</summary>
    public byte[] V2Json { get; }

    /// <summary>Entity tag of <see cref="V2Json"/> (quoted).</summary>
    public string V2ETag { get; }

    /// <summary>
    /// <see cref="V2Json"/> as protobuf (<c>application/com.github.proto-openapi.spec.v2@v1.0+protobuf</c>), the only form kubectl
    /// asks <c>/openapi/v2</c> for (<c>kubectl explain --output=plaintext-openapiv2</c>, and fallbacks when v3 is missing).
    /// </summary>
    public byte[] V2Protobuf { get; }

    /// <summary>Entity tag of <see cref="V2Protobuf"/> (quoted).</summary>
    public string V2ProtobufETag { get; }

    /// <summary>The media type kubectl puts in Accept for <see cref="V2Protobuf"/>.</summary>
    public const string V2ProtobufMediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>
    /// The Content-Type to answer <see cref="V2Protobuf"/> with: as Kubernetes does, with '.' for '@', which Go's media type
    /// parser rejects (kubectl fails with "mime: unexpected content after media subtype" otherwise).
    /// </summary>
    public const string V2ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>The <c>/openapi/v3</c> index: <c>{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}</c>.</summary>
    public byte[] V3Index { get; }

    /// <summary>Entity tag of <see cref="V3Index"/> (quoted).</summary>
    public string V3IndexETag { get; }

    /// <summary>The group-version paths the index lists ("api/v1", "apis/apps/v1", ...).</summary>
    public IReadOnlyCollection<string> V3Paths => _v3.Keys;

    /// <summary>The documents for a registry, built on first use and cached for the registry's lifetime.</summary>
    public static OpenApiDocuments Build(ResourceRegistry registry) => Build(registry, ModelDocs.Default);

    /// <summary>As <see cref="Build(ResourceRegistry)"/>, with the given descriptions (cached per registry: the first call's docs win).</summary>
    public static OpenApiDocuments Build(ResourceRegistry registry, ModelDocs docs) =>
        Cache.GetValue(registry, r => Create(r, docs));

    /// <summary>Builds fresh documents without the cache.</summary>
    public static OpenApiDocuments Create(ResourceRegistry registry, ModelDocs docs)
    {
        var names = new DefinitionNames(registry);
        var v2Document = V2Document(registry, names, docs);
        var v2 = Serialize(v2Document);
        var v2Protobuf = SwaggerProtobuf.Encode(v2Document);

        var v3 = new Dictionary<string, (byte[] Json, string Hash)>(StringComparer.Ordinal);
        foreach (var group in registry.Resources.Where(r => r.ModelType is not null).GroupBy(r => GroupVersionPath(r.Group, r.Version)))
        {
            var json = Serialize(V3Document(group, names, docs));
            v3[group.Key] = (json, Hash(json));
        }

        var paths = new JsonObject();
        foreach (var (path, (_, hash)) in v3.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={hash}" };
        }

        return new OpenApiDocuments(v2, v2Protobuf, v3, Serialize(new JsonObject { ["paths"] = paths }));
    }

    /// <summary>The OpenAPI 3.0 document of a group version ("api/v1", "apis/apps/v1"; a leading slash or "openapi/v3/" is tolerated), or null.</summary>
    public byte[]? V3ForGroupVersion(string path) => _v3.TryGetValue(Normalize(path), out var doc) ? doc.Json : null;

    /// <summary>The hash the index advertises for a group version (uppercase hex SHA-512 of its bytes), or null.</summary>
    public string? V3Hash(string path) => _v3.TryGetValue(Normalize(path), out var doc) ? doc.Hash : null;

    /// <summary>Entity tag of a group-version document (its quoted hash), or null.</summary>
    public string? V3ETag(string path) => V3Hash(path) is { } hash ? Quote(hash) : null;

    /// <summary>"api/v1" for the core group, "apis/&lt;group&gt;/&lt;version&gt;" otherwise.</summary>
    public static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static JsonObject V2Document(ResourceRegistry registry, DefinitionNames names, ModelDocs docs)
    {
        var schemas = new SchemaWriter(names, docs, OpenApiFlavor.V2);
        var paths = new PathWriter(schemas, OpenApiFlavor.V2);
        foreach (var resource in registry.Resources)
        {
            paths.Add(resource);
        }

        var pathsJson = paths.ToJson();
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = Info(),
            ["paths"] = pathsJson,
            ["definitions"] = ToObject(schemas.Definitions),
            ["securityDefinitions"] = new JsonObject
            {
                ["BearerToken"] = new JsonObject
                {
                    ["description"] = "Bearer token authentication",
                    ["in"] = "header",
                    ["name"] = "authorization",
                    ["type"] = "apiKey",
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    private static JsonObject V3Document(IEnumerable<ResourceInfo> resources, DefinitionNames names, ModelDocs docs)
    {
        var schemas = new SchemaWriter(names, docs, OpenApiFlavor.V3);
        var paths = new PathWriter(schemas, OpenApiFlavor.V3);
        foreach (var resource in resources)
        {
            paths.Add(resource);
        }

        var pathsJson = paths.ToJson();
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = Info(),
            ["paths"] = pathsJson,
            ["components"] = new JsonObject
            {
                ["schemas"] = ToObject(schemas.Definitions),
                ["securitySchemes"] = new JsonObject
                {
                    ["BearerToken"] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["description"] = "Bearer token authentication",
                        ["name"] = "authorization",
                        ["in"] = "header",
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    private static JsonObject Info() => new() { ["title"] = "Kubernetes", ["version"] = KubernetesVersion };

    private static JsonObject ToObject(IReadOnlyDictionary<string, JsonObject> definitions)
    {
        var result = new JsonObject();
        foreach (var (name, schema) in definitions)
        {
            result[name] = schema;
        }

        return result;
    }

    private static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Compact);

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA512.HashData(bytes));

    private static string Quote(string tag) => $"\"{tag}\"";

    private static string Normalize(string path)
    {
        path = path.Trim('/');
        if (path.StartsWith("openapi/v3/", StringComparison.Ordinal))
        {
            path = path["openapi/v3/".Length..];
        }

        var query = path.IndexOf('?');
        return query < 0 ? path : path[..query];
    }
}
