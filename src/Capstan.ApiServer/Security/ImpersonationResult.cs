using k8s.Models;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The outcome of <see cref="Impersonation.Apply"/>: <see cref="User"/> is whom the request now runs as (the requester
/// when nothing was asked); when <see cref="Error"/> is set, answer it (403 Forbidden or 400 BadRequest) instead.
/// </summary>
public sealed record ImpersonationResult(UserInfo User, V1Status? Error)
{
    public bool Failed => Error is not null;
}
