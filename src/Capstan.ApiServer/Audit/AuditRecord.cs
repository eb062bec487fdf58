using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Audit;

/// <summary>Builds the <see cref="AuditEvent"/> of a finished request from what the router left on the context.</summary>
public static class AuditRecord
{
    public static AuditEvent For(HttpContext http, string auditId, DateTimeOffset received, DateTimeOffset completed)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        var path = request.Path.Value ?? "/";
        var info = http.Items.TryGetValue(typeof(RequestInfo), out var i) && i is RequestInfo parsed
            ? parsed
            : RequestInfo.Parse(request.Method, path, request.Query["watch"] is var w && (w == "true" || w == "1"));
        var user = http.Items.TryGetValue(typeof(UserInfo), out var u) && u is UserInfo known
            ? known
            : new UserInfo("system:anonymous", "system:unauthenticated");
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
            completed);
    }
}
