using System.Security.Cryptography;
using Capstan.ApiServer.Admission;
using Capstan.ApiServer.Hosting;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Service-account tokens in one place for the server's wiring: the issuer (TokenRequest), the validator the
/// <see cref="Authenticator"/> and TokenReview use (with the liveness check against the watch cache once attached),
/// and, on <see cref="Attach"/>, the TokenRequest endpoint and the ServiceAccount admission.
/// </summary>
public sealed class ServiceAccountTokenSetup
{
    private ServiceAccountObjects? _objects;

    public ServiceAccountTokenSetup(ECDsa signingKey, TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        Issuer = new ServiceAccountTokenIssuer(signingKey, timeProvider: Time);
        Validator = new ServiceAccountTokenValidator(signingKey, checkLiveness: CheckLivenessAsync, timeProvider: Time);
    }

    /// <summary>The audiences the API server accepts (Kubernetes' default --api-audiences: the issuer).</summary>
    public static IReadOnlyList<string> ApiAudiences { get; } = [ServiceAccountTokenIssuer.DefaultIssuer];

    public TimeProvider Time { get; }

    public ServiceAccountTokenIssuer Issuer { get; }

    public ServiceAccountTokenValidator Validator { get; }

    /// <summary>Adds the TokenRequest subresource and the ServiceAccount admission to <paramref name="api"/>.</summary>
    public void Attach(ApiServerHost api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var objects = new ServiceAccountObjects(api.Store.Cache);
        _objects = objects;
        api.Store.Admission.Add(new ServiceAccountAdmission(objects.ServiceAccount));
        api.Router.Extras.Add(new TokenRequestEndpoint(Issuer, objects, ApiAudiences, Time));
    }

    // Before Attach (server start-up) no token can be checked against objects; none has been issued by this process yet either.
    private ValueTask<string?> CheckLivenessAsync(ServiceAccountTokenClaims claims, CancellationToken ct) =>
        _objects is { } objects ? objects.CheckLivenessAsync(claims, ct) : ValueTask.FromResult<string?>(null);
}
