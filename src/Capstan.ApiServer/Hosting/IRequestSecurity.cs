using Capstan.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Hosting;

/// <summary>Who is asking (authentication) and may they (authorisation), for every request.</summary>
public interface IRequestSecurity
{
    /// <summary>The requester; null when credentials were presented but are invalid (401). Anonymous requests get an anonymous user.</summary>
    RequestUser? Authenticate(HttpContext http);

    /// <summary>Null when allowed; otherwise the reason for a 403.</summary>
    string? Authorize(RequestUser user, RequestInfo request);
}

public sealed record RequestUser(string Name, string Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    public bool IsAnonymous => Name == "system:anonymous";
}
