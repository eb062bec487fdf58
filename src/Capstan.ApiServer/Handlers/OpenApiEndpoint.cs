using Capstan.Api.OpenApi;
using Capstan.Api.Registry;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Handlers;

/// <summary>/openapi/v2 and /openapi/v3[/group-version], built once, served with ETags.</summary>
public sealed class OpenApiEndpoint(ResourceRegistry registry) : IExtraEndpoint
{
    private readonly Lazy<OpenApiDocuments> _docs = new(() => OpenApiDocuments.Build(registry));

    public bool Handles(ResourceInfo resource, RequestInfo request) => false;

    public Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user) => Task.CompletedTask;

    public async Task<bool> TryHandleNonResourceAsync(HttpContext http, string path)
    {
        if (path == "/openapi/v2")
        {
            if (http.Request.Headers.Accept.ToString().Contains("protobuf", StringComparison.Ordinal))
            {
                http.Response.Headers.ETag = _docs.Value.V2ProtobufETag;
                await ResponseWriter.WriteRawAsync(http, 200, _docs.Value.V2Protobuf, OpenApiDocuments.V2ProtobufContentType).ConfigureAwait(false);
                return true;
            }

            http.Response.Headers.ETag = _docs.Value.V2ETag;
            await ResponseWriter.WriteRawAsync(http, 200, _docs.Value.V2Json).ConfigureAwait(false);
            return true;
        }

        if (path == "/openapi/v3")
        {
            http.Response.Headers.ETag = _docs.Value.V3IndexETag;
            await ResponseWriter.WriteRawAsync(http, 200, _docs.Value.V3Index).ConfigureAwait(false);
            return true;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var gv = path["/openapi/v3/".Length..];
            var doc = _docs.Value.V3ForGroupVersion(gv);
            if (doc is null)
            {
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            }

            if (_docs.Value.V3ETag(gv) is { } etag)
            {
                http.Response.Headers.ETag = etag;
                if (http.Request.Query.ContainsKey("hash"))
                {
                    http.Response.Headers.CacheControl = "public, immutable";
                }
            }

            await ResponseWriter.WriteRawAsync(http, 200, doc).ConfigureAwait(false);
            return true;
        }

        return false;
    }
}
