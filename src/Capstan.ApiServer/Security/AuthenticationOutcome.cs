namespace Capstan.ApiServer.Security;

public enum AuthenticationOutcome
{
    /// <summary>Valid credentials: the request runs as <see cref="AuthenticationResult.User"/>.</summary>
    Authenticated,

    /// <summary>No credentials at all: the request runs as <c>system:anonymous</c> (the server answers 401 except on public endpoints).</summary>
    Anonymous,

    /// <summary>Credentials were presented but none were valid: answer 401 Unauthorized.</summary>
    Failed,
}
