using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Turns a request's credentials into a <see cref="UserInfo"/>, the way kube-apiserver's union authenticator does:
/// <list type="number">
/// <item>x509 client certificate (Kestrel runs with <c>ClientCertificateMode.AllowCertificate</c> and accepts any
/// certificate, so the chain to the cluster CA and the client-auth usage are verified here): CN → user name, each O → group.</item>
/// <item>bearer token (<c>Authorization: Bearer</c>, or the WebSocket subprotocol
/// <c>base64url.bearer.authorization.k8s.io.&lt;token&gt;</c>): the static token table first, then each <see cref="ITokenValidator"/>.</item>
/// </list>
/// The first method that succeeds wins and adds <c>system:authenticated</c>. When credentials were presented and
/// none succeeded the result is <see cref="AuthenticationOutcome.Failed"/> (401); with no credentials it is anonymous.
/// </summary>
public sealed class Authenticator
{
    public const string WebSocketTokenProtocolPrefix = "base64url.bearer.authorization.k8s.io.";

    private const int MaxCachedCertificates = 4096;

    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _clientCa;
    private readonly IReadOnlyDictionary<string, UserInfo> _staticTokens;
    private readonly IReadOnlyList<ITokenValidator> _validators;
    private readonly TimeProvider _timeProvider;

    // Verified certificates by SHA-256 of their DER: kubectl presents the same certificate on every request, and
    // building a chain costs far more than a hash. An entry holds until the certificate's own NotAfter.
    private readonly ConcurrentDictionary<string, (UserInfo User, DateTime NotAfterUtc)> _verified = new(StringComparer.Ordinal);

    public Authenticator(
        X509Certificate2 clientCa,
        IReadOnlyDictionary<string, UserInfo>? staticTokens = null,
        IEnumerable<ITokenValidator>? tokenValidators = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(clientCa);
        _clientCa = clientCa;
        _staticTokens = staticTokens ?? new Dictionary<string, UserInfo>();
        _validators = tokenValidators?.ToArray() ?? [];
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var certificate = context.Connection.ClientCertificate;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization) && context.WebSockets.IsWebSocketRequest)
        {
            var token = WebSocketToken(context.Request.Headers.SecWebSocketProtocol.ToString());
            if (token is not null)
            {
                authorization = "Bearer " + token;
            }
        }

        return AuthenticateAsync(certificate, authorization, cancellationToken);
    }

    public async ValueTask<AuthenticationResult> AuthenticateAsync(
        X509Certificate2? clientCertificate,
        string? authorizationHeader,
        CancellationToken cancellationToken)
    {
        var errors = new List<string>(2);
        if (clientCertificate is not null)
        {
            var byCertificate = AuthenticateCertificate(clientCertificate);
            if (byCertificate.IsAuthenticated)
            {
                return byCertificate;
            }

            errors.Add(byCertificate.Error ?? "x509: invalid client certificate");
        }

        var token = BearerToken(authorizationHeader);
        if (token is not null)
        {
            var byToken = await AuthenticateTokenAsync(token, cancellationToken).ConfigureAwait(false);
            if (byToken.IsAuthenticated)
            {
                return byToken;
            }

            errors.Add(byToken.Error ?? "invalid bearer token");
        }

        return errors.Count == 0 ? AuthenticationResult.Anonymous : AuthenticationResult.Failure(string.Join("; ", errors));
    }

    /// <summary>Authenticates a client certificate alone: it must chain to the cluster CA and allow client authentication.</summary>
    public AuthenticationResult AuthenticateCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var fingerprint = Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
        if (_verified.TryGetValue(fingerprint, out var cached) && now < cached.NotAfterUtc && now >= certificate.NotBefore.ToUniversalTime())
        {
            return AuthenticationResult.Success(cached.User, "x509");
        }

        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_clientCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = now;
            chain.ChainPolicy.ApplicationPolicy.Add(s_clientAuth);
            if (!chain.Build(certificate))
            {
                var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
                return AuthenticationResult.Failure("x509: certificate verification failed: " + status);
            }
        }

        var (commonName, organizations) = SubjectNames(certificate.SubjectName);
        if (string.IsNullOrEmpty(commonName))
        {
            return AuthenticationResult.Failure("x509: certificate has no common name");
        }

        var user = new UserInfo(commonName, "", organizations);
        if (_verified.Count >= MaxCachedCertificates)
        {
            _verified.Clear();
        }

        _verified[fingerprint] = (user, certificate.NotAfter.ToUniversalTime());
        return AuthenticationResult.Success(user, "x509");
    }

    /// <summary>Authenticates a bearer token alone: the static table first, then the validators in order.</summary>
    public async ValueTask<AuthenticationResult> AuthenticateTokenAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_staticTokens.TryGetValue(token, out var user))
        {
            return AuthenticationResult.Success(user, "token");
        }

        string? error = null;
        foreach (var validator in _validators)
        {
            var result = await validator.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
            if (result.User is not null)
            {
                return AuthenticationResult.Success(result.User, validator.Name);
            }

            error ??= result.Error is null ? null : validator.Name + ": " + result.Error;
        }

        return AuthenticationResult.Failure(error ?? "invalid bearer token");
    }

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header; null for other schemes or an empty token.</summary>
    public static string? BearerToken(string? authorizationHeader)
    {
        if (string.IsNullOrEmpty(authorizationHeader))
        {
            return null;
        }

        var header = authorizationHeader.AsSpan().Trim();
        const string scheme = "Bearer ";
        if (header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[scheme.Length..].Trim();
        return token.IsEmpty || token.Contains(' ') ? null : token.ToString();
    }

    /// <summary>The token carried in a <c>Sec-WebSocket-Protocol</c> header, as kubectl and client-go send it for exec/attach.</summary>
    public static string? WebSocketToken(string? protocols)
    {
        if (string.IsNullOrEmpty(protocols))
        {
            return null;
        }

        foreach (var raw in protocols.Split(','))
        {
            var protocol = raw.Trim();
            if (!protocol.StartsWith(WebSocketTokenProtocolPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var encoded = protocol[WebSocketTokenProtocolPrefix.Length..];
            try
            {
                var token = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(encoded));
                return token.Length == 0 ? null : token;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    private static (string CommonName, List<string> Organizations) SubjectNames(X500DistinguishedName subject)
    {
        const string commonNameOid = "2.5.4.3";
        const string organizationOid = "2.5.4.10";
        var commonName = "";
        var organizations = new List<string>();
        foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            var value = rdn.GetSingleElementValue();
            if (value is null)
            {
                continue;
            }

            switch (rdn.GetSingleElementType().Value)
            {
                case commonNameOid:
                    commonName = value;
                    break;
                case organizationOid:
                    organizations.Add(value);
                    break;
            }
        }

        return (commonName, organizations);
    }
}
