using Capstan.ApiServer.Http;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Hosting;

/// <summary>Who is asking (authentication) and may they (authorisation), for every request.</summary>
public interface IRequestSecurity
{
    /// <summary>The requester; <see cref="AuthenticationResult.IsFailed"/> when credentials were presented but are invalid (401).</summary>
    ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext http);

    /// <summary>Null when allowed; otherwise the reason for a 403.</summary>
    string? Authorize(UserInfo user, RequestInfo request);
}
