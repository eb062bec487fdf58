using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Validation;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The TokenRequest API, <c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c> (<c>kubectl create token</c>):
/// a signed JWT for the service account, for the requested audiences (default: the API server's) and lifetime (default
/// one hour, at least ten minutes), optionally bound to a Pod, Secret or Node so that it dies with that object.
/// RBAC has already checked <c>create</c> on <c>serviceaccounts/token</c>.
/// </summary>
public sealed class TokenRequestEndpoint(ServiceAccountTokenIssuer issuer, ServiceAccountObjects objects, IReadOnlyList<string> apiAudiences, TimeProvider time) : IExtraEndpoint
{
    public const long DefaultExpirationSeconds = 3600;
    public const long MinExpirationSeconds = 600;
    private const long MaxExpirationSeconds = 1L << 32;
    private const string QualifiedKind = "TokenRequest.authentication.k8s.io";

    public bool Handles(ResourceInfo resource, RequestInfo request) =>
        resource.Group.Length == 0 && resource.Plural == "serviceaccounts" && request.Subresource == "token";

    public async Task HandleAsync(HttpContext http, ResourceInfo resource, RequestInfo request, UserInfo user)
    {
        if (http.Request.Method != "POST" || request.Name.Length == 0)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await BodyReader.ReadObjectAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        var spec = (body["spec"] as JsonObject)?.DeepClone().AsObject() ?? new JsonObject();
        var ns = request.Namespace;
        var name = request.Name;
        var expiration = ObjectMeta.Long(spec["expirationSeconds"]) ?? DefaultExpirationSeconds;
        var audiences = (spec["audiences"] as JsonArray)?.Select(a => ObjectMeta.Str(a)).Where(a => a.Length > 0).ToList() ?? [];
        if (audiences.Count == 0)
        {
            audiences = [.. apiAudiences];
        }

        var errors = new List<FieldError>();
        if (expiration < MinExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes"));
        }
        else if (expiration > MaxExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds"));
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(QualifiedKind, name, errors);
        }

        await objects.SyncAsync(http.RequestAborted).ConfigureAwait(false);
        var account = objects.ServiceAccount(ns, name) ?? throw ApiException.NotFound("serviceaccounts", name);
        (string, string)? pod = null;
        (string, string)? node = null;
        if (spec["boundObjectRef"] is JsonObject bound)
        {
            (pod, node) = Bind(ns, name, bound);
        }

        var (token, expiresAt) = issuer.Issue(ns, name, ObjectMeta.Uid(account), audiences, TimeSpan.FromSeconds(expiration), pod, node);
        spec["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]);
        spec["expirationSeconds"] = expiration;
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["creationTimestamp"] = ObjectMeta.Timestamp(time.GetUtcNow()),
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = ObjectMeta.Timestamp(expiresAt),
            },
        };
        await ResponseWriter.WriteAsync(http, 201, response).ConfigureAwait(false);
    }

    public Task<bool> TryHandleNonResourceAsync(HttpContext http, string path) => Task.FromResult(false);

    private ((string, string)? Pod, (string, string)? Node) Bind(string ns, string account, JsonObject bound)
    {
        var kind = ObjectMeta.Str(bound["kind"]);
        var boundName = ObjectMeta.Str(bound["name"]);
        var uid = ObjectMeta.Str(bound["uid"]);
        switch (kind)
        {
            case "Pod":
                var pod = objects.Pod(ns, boundName) ?? throw ApiException.NotFound("pods", boundName);
                CheckUid(uid, pod);
                var podAccount = ObjectMeta.Str(pod["spec"]?["serviceAccountName"]);
                if (podAccount.Length > 0 && podAccount != account)
                {
                    throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{account}\" to pod running with different serviceaccount name.");
                }

                // Pod-bound tokens also name the pod's node, as Kubernetes does since 1.30.
                var nodeName = ObjectMeta.Str(pod["spec"]?["nodeName"]);
                var podNode = nodeName.Length > 0 && objects.Node(nodeName) is { } n ? (nodeName, ObjectMeta.Uid(n)) : ((string, string)?)null;
                return ((boundName, ObjectMeta.Uid(pod)), podNode);
            case "Node":
                var node = objects.Node(boundName) ?? throw ApiException.NotFound("nodes", boundName);
                CheckUid(uid, node);
                return (null, (boundName, ObjectMeta.Uid(node)));
            case "Secret":
                throw ApiException.BadRequest("binding a token to a Secret is not supported; bind it to a Pod or Node");
            default:
                throw ApiException.Invalid(QualifiedKind, account,
                    [FieldError.NotSupported("spec.boundObjectRef.kind", kind, ["Pod", "Node", "Secret"])]);
        }
    }

    private static void CheckUid(string uid, JsonObject obj)
    {
        if (uid.Length > 0 && uid != ObjectMeta.Uid(obj))
        {
            throw ApiException.Conflict(ObjectMeta.Str(obj["kind"]).ToLowerInvariant() + "s", ObjectMeta.Name(obj),
                $"the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated");
        }
    }
}
