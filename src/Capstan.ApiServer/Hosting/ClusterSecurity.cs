using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Hosting;

/// <summary>Authentication by client certificate or bearer token, then authorisation: system:masters always, everyone else by RBAC.</summary>
public sealed class ClusterSecurity(Authenticator authenticator, Func<UserInfo, RequestInfo, string?> authorize) : IRequestSecurity
{
    public ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext http) =>
        authenticator.AuthenticateAsync(http, http.RequestAborted);

    public string? Authorize(UserInfo user, RequestInfo request) =>
        user.IsInGroup(SystemGroups.Masters) ? null : authorize(user, request);
}
