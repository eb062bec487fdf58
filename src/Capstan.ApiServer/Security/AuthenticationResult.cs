namespace Capstan.ApiServer.Security;

/// <summary>The result of authenticating one request.</summary>
/// <param name="Outcome">Authenticated, anonymous or failed.</param>
/// <param name="User">The user; <see cref="UserInfo.Anonymous"/> for anonymous and failed requests.</param>
/// <param name="Method">How the user was recognised: <c>x509</c>, <c>token</c>, or a validator's name; empty otherwise.</param>
/// <param name="Error">Why authentication failed (for logs only; clients get a bare 401).</param>
public sealed record AuthenticationResult(AuthenticationOutcome Outcome, UserInfo User, string Method, string? Error)
{
    public static AuthenticationResult Anonymous { get; } = new(AuthenticationOutcome.Anonymous, UserInfo.Anonymous, "", null);

    public bool IsAuthenticated => Outcome == AuthenticationOutcome.Authenticated;

    public bool IsFailed => Outcome == AuthenticationOutcome.Failed;

    public static AuthenticationResult Success(UserInfo user, string method) =>
        new(AuthenticationOutcome.Authenticated, user.WithGroup(SystemGroups.Authenticated), method, null);

    public static AuthenticationResult Failure(string error) =>
        new(AuthenticationOutcome.Failed, UserInfo.Anonymous, "", error);
}
