using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Http;
using Capstan.ApiServer.Objects;
using Capstan.ApiServer.Security;
using k8s;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Authorization;

/// <summary>
/// The create-only review resources: access reviews (kubectl auth can-i), rules reviews (can-i --list),
/// SelfSubjectReview (kubectl auth whoami) and TokenReview. Answered from the request, never stored.
/// </summary>
public sealed class ReviewEndpoint(RbacAuthorizer authorizer, IRbacSource rbac, Authenticator authenticator) : IExtraEndpoint
{
    /// <summary>Asked before RBAC, as for requests, so access reviews of node identities answer what the node may really do.</summary>
    public Node.NodeAuthorizer? NodeAuthorizer { get; init; }

    public bool Handles(ResourceInfo resource, RequestInfo request) => resource.IsVirtual;

    public async Task HandleAsync(HttpContext http, ResourceInfo r, RequestInfo request, UserInfo user)
    {
        if (http.Request.Method != "POST" || request.Name.Length > 0)
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await BodyReader.ReadObjectAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        body["apiVersion"] = r.GroupVersion;
        body["kind"] = r.Kind;
        var spec = body["spec"] as JsonObject ?? new JsonObject();
        body["spec"] = spec;
        JsonObject status;
        switch (r.Kind)
        {
            case "SelfSubjectAccessReview":
                status = Access(user, spec, null);
                break;
            case "SubjectAccessReview":
            case "LocalSubjectAccessReview":
                var subject = SubjectOf(spec);
                if (subject is null)
                {
                    throw ApiException.Invalid(r.QualifiedKind, "", [Capstan.Api.Validation.FieldError.Invalid("spec.user", "", "at least one of user or group must be specified")]);
                }

                status = Access(subject, spec, r.Kind == "LocalSubjectAccessReview" ? request.Namespace : null);
                break;
            case "SelfSubjectRulesReview":
                var ns = ObjectMeta.Str(spec["namespace"]);
                var rules = authorizer.RulesFor(user, ns, rbac);
                status = JsonNode.Parse(KubernetesJson.Serialize(rules))!.AsObject();
                break;
            case "SelfSubjectReview":
                status = new JsonObject { ["userInfo"] = UserJson(user) };
                body.Remove("spec");
                break;
            case "TokenReview":
                var token = ObjectMeta.Str(spec["token"]);
                var result = await authenticator.AuthenticateTokenAsync(token, http.RequestAborted).ConfigureAwait(false);
                status = result.IsAuthenticated
                    ? new JsonObject { ["authenticated"] = true, ["user"] = UserJson(result.User), ["audiences"] = spec["audiences"]?.DeepClone() }
                    : new JsonObject { ["authenticated"] = false, ["error"] = result.Error ?? "invalid bearer token" };
                break;
            default:
                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        body["status"] = status;
        var meta = ObjectMeta.Metadata(body);
        meta["creationTimestamp"] = null;
        await ResponseWriter.WriteAsync(http, 201, body).ConfigureAwait(false);
    }

    public Task<bool> TryHandleNonResourceAsync(HttpContext http, string path) => Task.FromResult(false);

    private JsonObject Access(UserInfo user, JsonObject spec, string? forcedNamespace)
    {
        RequestAttributes attrs;
        if (spec["resourceAttributes"] is JsonObject ra)
        {
            attrs = RequestAttributes.ForResource(
                ObjectMeta.Str(ra["verb"]),
                ObjectMeta.Str(ra["group"]),
                ObjectMeta.Str(ra["resource"]),
                forcedNamespace ?? ObjectMeta.Str(ra["namespace"]),
                ObjectMeta.Str(ra["name"]),
                ObjectMeta.Str(ra["subresource"]));
        }
        else if (spec["nonResourceAttributes"] is JsonObject nra)
        {
            attrs = RequestAttributes.ForNonResource(ObjectMeta.Str(nra["verb"]), ObjectMeta.Str(nra["path"]));
        }
        else
        {
            throw ApiException.Invalid("SelfSubjectAccessReview.authorization.k8s.io", "",
                [Capstan.Api.Validation.FieldError.Invalid("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
        }

        if (user.IsInGroup(SystemGroups.Masters))
        {
            return new JsonObject { ["allowed"] = true, ["reason"] = "system:masters group" };
        }

        var decision = NodeAuthorizer?.Authorize(user, attrs) ?? authorizer.Authorize(user, attrs, rbac);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }

        return status;
    }

    private static UserInfo? SubjectOf(JsonObject spec)
    {
        var name = ObjectMeta.Str(spec["user"]);
        var groups = spec["groups"] is JsonArray g ? g.Select(ObjectMeta.Str).Where(s => s.Length > 0).ToList() : [];
        if (name.Length == 0 && groups.Count == 0)
        {
            return null;
        }

        return new UserInfo(name, ObjectMeta.Str(spec["uid"]), groups);
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var o = new JsonObject { ["username"] = user.Name, ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)g).ToArray()) };
        if (user.Uid.Length > 0)
        {
            o["uid"] = user.Uid;
        }

        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (k, v) in user.Extra)
            {
                extra[k] = new JsonArray(v.Select(x => (JsonNode?)x).ToArray());
            }

            o["extra"] = extra;
        }

        return o;
    }
}
