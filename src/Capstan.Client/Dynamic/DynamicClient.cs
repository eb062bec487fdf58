using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Capstan.Client.Dynamic;

/// <summary>
/// Untyped JSON access to any resource, over the official client's HttpClient and credentials, so one code path serves
/// every kind discovery reports (the garbage collector and the namespace controller see kinds they have no model for).
/// </summary>
public sealed class DynamicClient
{
    private const int PageSize = 500;
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Kubernetes _kubernetes;

    public DynamicClient(IKubernetes kubernetes)
    {
        _kubernetes = kubernetes as Kubernetes
            ?? throw new ArgumentException("the dynamic client needs a k8s.Kubernetes (its HttpClient, BaseUri and credentials)", nameof(kubernetes));
    }

    public IKubernetes Kubernetes => _kubernetes;

    /// <summary>GET of any path relative to the server root (discovery documents, for instance).</summary>
    public async Task<JsonObject> GetPathAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, streaming: false, ct).ConfigureAwait(false);
        return await ReadObjectAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>PUT of any path relative to the server root (namespaces/{name}/finalize, for instance).</summary>
    public async Task<JsonObject> PutPathAsync(string path, JsonObject body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Put, path, body, streaming: false, ct).ConfigureAwait(false);
        return await ReadObjectAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>Lists every page of a collection; <paramref name="ns"/> null or empty lists across namespaces.</summary>
    public async Task<ObjectList> ListAsync(ApiResource resource, string? ns, string? labelSelector, string? fieldSelector, CancellationToken ct, bool metadataOnly = false)
    {
        var items = new List<JsonObject>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var query = new StringBuilder($"?limit={PageSize}");
            Append(query, "labelSelector", labelSelector);
            Append(query, "fieldSelector", fieldSelector);
            Append(query, "continue", continueToken);
            using var response = await SendAsync(HttpMethod.Get, resource.CollectionPath(ns) + query, null, streaming: false, ct, metadataOnly ? MetadataListAccept : null).ConfigureAwait(false);
            var list = await ReadObjectAsync(response, ct).ConfigureAwait(false);
            var kind = resource.Kind;
            if (list["items"] is JsonArray array)
            {
                foreach (var node in array)
                {
                    if (node is JsonObject item)
                    {
                        // Items of a list carry no apiVersion/kind on the wire in Kubernetes; fill them so each cached object says what it is.
                        item.Remove("apiVersion");
                        item.Remove("kind");
                        item.Insert(0, "apiVersion", resource.ApiVersion);
                        item.Insert(1, "kind", kind);
                        if (metadataOnly)
                        {
                            (item["metadata"] as JsonObject)?.Remove("managedFields");
                        }

                        items.Add(item);
                    }
                }

                array.Clear();
            }

            resourceVersion = list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";
            continueToken = list["metadata"]?["continue"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ObjectList(items, resourceVersion);
    }

    /// <summary>
    /// Watches a collection from <paramref name="resourceVersion"/> with bookmarks. Ends when the server closes the stream;
    /// throws <see cref="ApiRequestException"/> (410 Gone when the version is too old).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(
        ApiResource resource, string? ns, string resourceVersion, int timeoutSeconds, string? labelSelector, string? fieldSelector,
        [EnumeratorCancellation] CancellationToken ct, bool metadataOnly = false)
    {
        var query = new StringBuilder("?watch=true&allowWatchBookmarks=true");
        Append(query, "resourceVersion", resourceVersion);
        Append(query, "timeoutSeconds", timeoutSeconds.ToString(CultureInfo.InvariantCulture));
        Append(query, "labelSelector", labelSelector);
        Append(query, "fieldSelector", fieldSelector);
        using var response = await SendAsync(HttpMethod.Get, resource.CollectionPath(ns) + query, null, streaming: true, ct, metadataOnly ? MetadataAccept : null).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new WatchLineReader(stream);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false))
        {
            if (Decode(reader.Line, resource, metadataOnly) is { } ev)
            {
                yield return ev;
            }
        }
    }

    /// <summary>One watch line as an event; null for a blank line or one without an object.</summary>
    internal static WatchEvent? Decode(ReadOnlySpan<byte> line, ApiResource resource, bool metadataOnly)
    {
        if (line.Trim(" \t\r"u8).IsEmpty)
        {
            return null;
        }

        var ev = JsonNode.Parse(line) as JsonObject;
        if (ev?["object"] is not JsonObject obj)
        {
            return null;
        }

        var kind = (ev["type"]?.GetValue<string>()) switch
        {
            "ADDED" => WatchEventKind.Added,
            "MODIFIED" => WatchEventKind.Modified,
            "DELETED" => WatchEventKind.Deleted,
            "BOOKMARK" => WatchEventKind.Bookmark,
            _ => WatchEventKind.Error,
        };
        ev.Remove("object");
        if (metadataOnly && kind != WatchEventKind.Bookmark && kind != WatchEventKind.Error)
        {
            // PartialObjectMetadata says nothing of the resource; give the cached object its real apiVersion and kind.
            obj["apiVersion"] = resource.ApiVersion;
            obj["kind"] = resource.Kind;
            (obj["metadata"] as JsonObject)?.Remove("managedFields");
        }

        return new WatchEvent(kind, obj);
    }

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Get, resource.ObjectPath(ns, name), null, streaming: false, ct).ConfigureAwait(false);
            return await ReadObjectAsync(response, ct).ConfigureAwait(false);
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>PUT of a whole object (optimistic concurrency through its metadata.resourceVersion).</summary>
    public async Task<JsonObject> UpdateAsync(ApiResource resource, JsonObject obj, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Put, resource.ObjectPath(obj.GetNamespace(), obj.GetName()), obj, streaming: false, ct).ConfigureAwait(false);
        return await ReadObjectAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>PUT to the status subresource.</summary>
    public async Task<JsonObject> UpdateStatusAsync(ApiResource resource, JsonObject obj, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Put, resource.ObjectPath(obj.GetNamespace(), obj.GetName()) + "/status", obj, streaming: false, ct).ConfigureAwait(false);
        return await ReadObjectAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// PATCH of an object or one of its subresources (<paramref name="subresource"/>, "status" say) with a body of
    /// <paramref name="patchType"/> (application/merge-patch+json, application/strategic-merge-patch+json...). The
    /// server's answer is not read: a writer that does not need the stored object saves its decoding.
    /// </summary>
    public Task PatchAsync(ApiResource resource, string? ns, string name, string? subresource, string patch, string patchType, CancellationToken ct) =>
        PatchAsync(resource, ns, name, subresource, Encoding.UTF8.GetBytes(patch), patchType, ct);

    /// <summary>As <see cref="PatchAsync(ApiResource, string?, string, string?, string, string, CancellationToken)"/>, with a UTF-8 body.</summary>
    public async Task PatchAsync(ApiResource resource, string? ns, string name, string? subresource, byte[] patch, string patchType, CancellationToken ct)
    {
        var content = new ByteArrayContent(patch);
        content.Headers.ContentType = new MediaTypeHeaderValue(patchType);
        var path = resource.ObjectPath(ns, name) + (subresource is null ? "" : "/" + subresource);
        using var response = await SendContentAsync(HttpMethod.Patch, path, content, streaming: false, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes one object; false when it was already gone (or, with a uid precondition, replaced).</summary>
    public async Task<bool> DeleteAsync(ApiResource resource, string? ns, string name, DeleteOptions options, CancellationToken ct)
    {
        try
        {
            using var response = await SendAsync(HttpMethod.Delete, resource.ObjectPath(ns, name), Body(options), streaming: false, ct).ConfigureAwait(false);
            return true;
        }
        catch (ApiRequestException ex) when (ex.IsNotFound)
        {
            return false;
        }
        catch (ApiRequestException ex) when (ex.IsConflict && options.PreconditionUid is not null)
        {
            // The uid precondition failed: the object we meant is gone and a namesake took its place.
            return false;
        }
    }

    /// <summary>DELETE on a collection (deletecollection) in one namespace.</summary>
    public async Task DeleteCollectionAsync(ApiResource resource, string ns, DeleteOptions options, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Delete, resource.CollectionPath(ns), Body(options), streaming: false, ct).ConfigureAwait(false);
    }

    private static JsonObject Body(DeleteOptions options)
    {
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "DeleteOptions" };
        if (options.PropagationPolicy is not null)
        {
            body["propagationPolicy"] = options.PropagationPolicy;
        }

        if (options.PreconditionUid is not null)
        {
            body["preconditions"] = new JsonObject { ["uid"] = options.PreconditionUid };
        }

        return body;
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private const string MetadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    private const string MetadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject? body, bool streaming, CancellationToken ct, string? accept = null)
    {
        HttpContent? content = null;
        if (body is not null)
        {
            content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = Json;
        }

        return SendContentAsync(method, path, content, streaming, ct, accept);
    }

    private async Task<HttpResponseMessage> SendContentAsync(HttpMethod method, string path, HttpContent? body, bool streaming, CancellationToken ct, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_kubernetes.BaseUri, path))
        {
            // Watches go over HTTP/1.1, a connection each: many long-lived HTTP/2 streams on one connection would hit
            // the server's stream limit and queue every other request behind them.
            Version = streaming ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Content = body;
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_kubernetes.Credentials is not null)
        {
            await _kubernetes.Credentials.ProcessHttpRequestAsync(request, ct).ConfigureAwait(false);
        }

        var response = await _kubernetes.HttpClient.SendAsync(
            request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var content = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            response.Dispose();
            throw new ApiRequestException(response.StatusCode, content);
        }

        return response;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return await JsonNode.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false) as JsonObject
            ?? throw new InvalidDataException("the API server answered with something other than a JSON object");
    }
}
