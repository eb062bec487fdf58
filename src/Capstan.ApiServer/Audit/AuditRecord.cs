using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Audit;

/// <summary>Builds the <see cref="AuditEvent"/> of a finished request from what the router left on the context.</summary>
public static class AuditRecord
{
    /// <summary>Item key of the authenticated requester when the request impersonates someone else.</summary>
    public const string RequesterKey = "capstan.audit.requester";

    public static AuditEvent For(HttpContext http, string auditId, DateTimeOffset received, DateTimeOffset completed)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        var path = request.Path.Value ?? "/";
        var info = http.Items.TryGetValue(typeof(RequestInfo), out var i) && i is RequestInfo parsed
            ? parsed
            : RequestInfo.Parse(request.Method, path, request.Query["watch"] is var w && (w == "true" || w == "1"));
        var effective = http.Items.TryGetValue(typeof(UserInfo), out var u) && u is UserInfo known
            ? known
            : new UserInfo("system:anonymous", "system:unauthenticated");

        // As Kubernetes: user is who authenticated, impersonatedUser whom the request ran as.
        var requester = http.Items.TryGetValue(RequesterKey, out var r) && r is UserInfo real ? real : null;
        var user = requester ?? effective;
        return new AuditEvent(
            auditId,
            path + request.QueryString.Value,
            info.Verb,
            user.Name,
            user.Uid,
            user.Groups,
            http.Connection.RemoteIpAddress?.ToString(),
            request.Headers.UserAgent.ToString(),
            info.IsResourceRequest,
            info.Group,
            info.Version,
            info.Resource,
            info.Subresource,
            info.Namespace,
            info.Name,
            http.Response.StatusCode,
            received,
            completed)
        {
            ImpersonatedUserName = requester is null ? null : effective.Name,
            ImpersonatedUserGroups = requester is null ? null : effective.Groups,
        };
    }
}
