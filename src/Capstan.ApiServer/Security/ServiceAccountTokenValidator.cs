using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Authenticates service-account JWTs signed by <see cref="ServiceAccountTokenIssuer"/>. Tokens of another issuer, or
/// that are not JWTs, are left to other validators; ours are rejected when the signature, expiry (one minute of clock
/// leeway) or audience is wrong, or when <c>checkLiveness</c> reports the account or bound pod gone or replaced.
/// The user is <c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c> (uid = the account's uid) in groups
/// <c>system:serviceaccounts</c> and <c>system:serviceaccounts:&lt;ns&gt;</c>, with extra
/// <c>authentication.kubernetes.io/pod-name|pod-uid|node-name|node-uid|credential-id</c> as Kubernetes sets them.
/// </summary>
public sealed class ServiceAccountTokenValidator : ITokenValidator
{
    private static readonly TimeSpan s_leeway = TimeSpan.FromMinutes(1);

    private readonly ECDsa _publicKey;
    private readonly string _issuer;
    private readonly IReadOnlyList<string> _apiAudiences;
    private readonly Func<ServiceAccountTokenClaims, CancellationToken, ValueTask<string?>>? _checkLiveness;
    private readonly TimeProvider _timeProvider;

    /// <param name="verificationKey">The signing key, or one holding only its public part.</param>
    /// <param name="apiAudiences">Audiences the API server accepts; a token must name one. Default: the issuer.</param>
    /// <param name="checkLiveness">Returns null when the service account (and bound pod) still exist with the token's uids, else why not.</param>
    public ServiceAccountTokenValidator(
        ECDsa verificationKey,
        string issuer = ServiceAccountTokenIssuer.DefaultIssuer,
        IReadOnlyList<string>? apiAudiences = null,
        Func<ServiceAccountTokenClaims, CancellationToken, ValueTask<string?>>? checkLiveness = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(verificationKey);
        _publicKey = verificationKey;
        _issuer = issuer;
        _apiAudiences = apiAudiences is { Count: > 0 } ? apiAudiences : [issuer];
        _checkLiveness = checkLiveness;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string Name => "serviceaccount";

    public static string KeyIdOf(ECDsa key) =>
        System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    public async ValueTask<TokenValidationResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var claims = TryRead(token, out var error);
        if (claims is null)
        {
            return error is null ? TokenValidationResult.NotRecognized : TokenValidationResult.Rejected(error);
        }

        if (_checkLiveness is not null)
        {
            var gone = await _checkLiveness(claims, cancellationToken).ConfigureAwait(false);
            if (gone is not null)
            {
                return TokenValidationResult.Rejected(gone);
            }
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["authentication.kubernetes.io/credential-id"] = ["JTI=" + claims.Id],
        };
        if (claims.BoundPodName.Length > 0)
        {
            extra["authentication.kubernetes.io/pod-name"] = [claims.BoundPodName];
            extra["authentication.kubernetes.io/pod-uid"] = [claims.BoundPodUid];
        }

        if (claims.BoundNodeName.Length > 0)
        {
            extra["authentication.kubernetes.io/node-name"] = [claims.BoundNodeName];
            extra["authentication.kubernetes.io/node-uid"] = [claims.BoundNodeUid];
        }

        var user = new UserInfo(
            ServiceAccountUser.UserName(claims.Namespace, claims.ServiceAccountName),
            claims.ServiceAccountUid,
            ServiceAccountUser.Groups(claims.Namespace),
            extra);
        return TokenValidationResult.Authenticated(user);
    }

    /// <summary>
    /// The claims of a valid token of ours. Null with a null <paramref name="error"/> when the token is not ours to judge
    /// (not a JWT, another issuer); null with an error when it is ours but invalid.
    /// </summary>
    public ServiceAccountTokenClaims? TryRead(string token, out string? error)
    {
        error = null;
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])).RootElement;
            payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).RootElement;
            signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }

        if (payload.ValueKind != JsonValueKind.Object || String(payload, "iss") != _issuer)
        {
            return null;
        }

        if (header.ValueKind != JsonValueKind.Object || String(header, "alg") != "ES256"
            || !_publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256))
        {
            error = "invalid signature";
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var expiresAt = Time(payload, "exp");
        var notBefore = Time(payload, "nbf");
        if (expiresAt is null || now > expiresAt.Value + s_leeway)
        {
            error = "token has expired";
            return null;
        }

        if (notBefore is not null && now + s_leeway < notBefore.Value)
        {
            error = "token is not valid yet";
            return null;
        }

        var audiences = Audiences(payload);
        if (!audiences.Any(_apiAudiences.Contains))
        {
            error = "token audiences [" + string.Join(", ", audiences) + "] are invalid for the target audiences";
            return null;
        }

        if (!payload.TryGetProperty("kubernetes.io", out var kubernetes) || kubernetes.ValueKind != JsonValueKind.Object)
        {
            error = "token lacks the kubernetes.io claim";
            return null;
        }

        var ns = String(kubernetes, "namespace");
        var account = Object(kubernetes, "serviceaccount");
        var accountName = account is { } a ? String(a, "name") : "";
        if (ns.Length == 0 || accountName.Length == 0 || String(payload, "sub") != ServiceAccountUser.UserName(ns, accountName))
        {
            error = "token names no service account";
            return null;
        }

        var pod = Object(kubernetes, "pod");
        var node = Object(kubernetes, "node");
        return new ServiceAccountTokenClaims(
            ns,
            accountName,
            String(account!.Value, "uid"),
            audiences,
            Time(payload, "iat") ?? now,
            expiresAt.Value,
            String(payload, "jti"),
            pod is { } p ? String(p, "name") : "",
            pod is { } pu ? String(pu, "uid") : "",
            node is { } n ? String(n, "name") : "",
            node is { } nu ? String(nu, "uid") : "");
    }

    private static string String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static JsonElement? Object(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static DateTimeOffset? Time(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    // "aud" is a string or an array of strings.
    private static List<string> Audiences(JsonElement payload)
    {
        if (!payload.TryGetProperty("aud", out var aud))
        {
            return [];
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()!],
            JsonValueKind.Array => aud.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
            _ => [],
        };
    }
}
