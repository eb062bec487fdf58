namespace Capstan.ApiServer.Security;

/// <summary>What an <see cref="ITokenValidator"/> made of a bearer token.</summary>
public sealed record TokenValidationResult
{
    private TokenValidationResult(UserInfo? user, string? error)
    {
        User = user;
        Error = error;
    }

    public static TokenValidationResult NotRecognized { get; } = new(null, null);

    /// <summary>The authenticated user; null unless the token was accepted.</summary>
    public UserInfo? User { get; }

    /// <summary>Why a recognised token was refused; null otherwise.</summary>
    public string? Error { get; }

    public bool IsRecognized => User is not null || Error is not null;

    public static TokenValidationResult Authenticated(UserInfo user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(user, null);
    }

    public static TokenValidationResult Rejected(string error) => new(null, error);
}
