using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Encryption;

/// <summary>
/// The admin API behind `capstan secrets-encrypt`: <c>GET /v1-capstan/secrets-encrypt/status</c>,
/// <c>POST .../rotate</c> and <c>POST .../reencrypt</c>. They are non-resource paths, so RBAC lets through only users granted
/// them (cluster-admin's <c>nonResourceURLs: ["*"]</c>, or system:masters). They act on the running server's key ring and
/// store, so no downtime and no second process opening the datastore.
/// </summary>
public sealed class SecretsEncryptEndpoint(EncryptionAdmin admin) : IExtraEndpoint
{
    public const string BasePath = "/v1-capstan/secrets-encrypt";

    public bool Handles(ResourceInfo resource, RequestInfo request) => false;

    public Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user) => Task.CompletedTask;

    public async Task<bool> TryHandleNonResourceAsync(HttpContext http, string path)
    {
        if (!path.StartsWith(BasePath + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var action = path[(BasePath.Length + 1)..];
        var method = http.Request.Method;
        var ct = http.RequestAborted;
        switch (action)
        {
            case "status" when method == "GET":
                await ResponseWriter.WriteAsync(http, 200, ToJson(await admin.StatusAsync(ct).ConfigureAwait(false))).ConfigureAwait(false);
                return true;
            case "rotate" when method == "POST":
                var key = await admin.RotateAsync(ct).ConfigureAwait(false);
                await ResponseWriter.WriteAsync(http, 200, new JsonObject { ["activeKey"] = key.Name }).ConfigureAwait(false);
                return true;
            case "reencrypt" when method == "POST":
                var (rewritten, dropped) = await admin.ReencryptAsync(ct).ConfigureAwait(false);
                var status = ToJson(await admin.StatusAsync(ct).ConfigureAwait(false));
                status["rewritten"] = rewritten;
                status["droppedKeys"] = new JsonArray([.. dropped.Select(d => (JsonNode)d)]);
                await ResponseWriter.WriteAsync(http, 200, status).ConfigureAwait(false);
                return true;
            case "status" or "rotate" or "reencrypt":
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
            default:
                return false;
        }
    }

    public static JsonObject ToJson(EncryptionStatus status) => new()
    {
        ["activeKey"] = status.ActiveKey,
        ["keys"] = new JsonArray([.. status.ObjectsPerKey.Select(k => (JsonNode)new JsonObject
        {
            ["name"] = k.Key,
            ["active"] = k.Key == status.ActiveKey,
            ["objects"] = k.Value,
        })]),
        ["plaintextObjects"] = status.Plaintext,
        ["resources"] = new JsonArray([.. status.Resources.Select(r => (JsonNode)r)]),
    };
}
