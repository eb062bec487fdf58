namespace Capstan.ApiServer.Security;

/// <summary>
/// One way of recognising bearer tokens (service-account JWTs, bootstrap tokens, ...). The <see cref="Authenticator"/>
/// asks each validator in turn; the first that recognises the token decides.
/// </summary>
public interface ITokenValidator
{
    string Name { get; }

    /// <summary>
    /// <see cref="TokenValidationResult.NotRecognized"/> when the token is not of this validator's kind,
    /// <see cref="TokenValidationResult.Rejected"/> when it is but is not valid (expired, bad signature, deleted account).
    /// </summary>
    ValueTask<TokenValidationResult> ValidateAsync(string token, CancellationToken cancellationToken);
}
