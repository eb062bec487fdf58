using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Capstan.ApiServer.Security;

/// <summary>
/// Signs service-account tokens (TokenRequest, projected volumes) as ES256 JWTs with the claims Kubernetes puts in
/// them: <c>iss</c>, <c>sub</c> (<c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>), <c>aud</c>, <c>exp</c>, <c>iat</c>,
/// <c>nbf</c>, <c>jti</c> and <c>kubernetes.io</c> {namespace, serviceaccount{name,uid}, pod{name,uid}, node{name,uid}}.
/// Only the API server reads these tokens back (<see cref="ServiceAccountTokenValidator"/>), so an ECDSA key suffices.
/// </summary>
public sealed class ServiceAccountTokenIssuer
{
    /// <summary>The issuer and default API audience Kubernetes clusters use.</summary>
    public const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";

    private readonly ECDsa _key;
    private readonly TimeProvider _timeProvider;

    public ServiceAccountTokenIssuer(ECDsa signingKey, string issuer = DefaultIssuer, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        _key = signingKey;
        Issuer = issuer;
        KeyId = ServiceAccountTokenValidator.KeyIdOf(signingKey);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string Issuer { get; }

    /// <summary>The <c>kid</c> header: base64url SHA-256 of the public key's SubjectPublicKeyInfo.</summary>
    public string KeyId { get; }

    /// <summary>
    /// A token for service account <paramref name="namespace"/>/<paramref name="name"/>, valid for <paramref name="lifetime"/>
    /// (TokenRequest's expirationSeconds; Kubernetes' default is one hour, minimum ten minutes).
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(
        string @namespace,
        string name,
        string uid,
        IReadOnlyList<string>? audiences,
        TimeSpan lifetime,
        (string Name, string Uid)? boundPod = null,
        (string Name, string Uid)? boundNode = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var now = _timeProvider.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(issuedAt + (long)lifetime.TotalSeconds);
        var audienceArray = new JsonArray();
        foreach (var audience in audiences is { Count: > 0 } ? audiences : [Issuer])
        {
            audienceArray.Add(audience);
        }

        var kubernetes = new JsonObject
        {
            ["namespace"] = @namespace,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid ?? "" },
        };
        if (boundPod is { } pod)
        {
            kubernetes["pod"] = new JsonObject { ["name"] = pod.Name, ["uid"] = pod.Uid };
        }

        if (boundNode is { } node)
        {
            kubernetes["node"] = new JsonObject { ["name"] = node.Name, ["uid"] = node.Uid };
        }

        var payload = new JsonObject
        {
            ["aud"] = audienceArray,
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["iat"] = issuedAt,
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = issuedAt,
            ["sub"] = ServiceAccountUser.UserName(@namespace, name),
        };
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = KeyId };
        var signingInput = Base64Url(header.ToJsonString()) + "." + Base64Url(payload.ToJsonString());
        // JWS ES256 wants the raw r||s signature, which is what SignData produces by default (IEEE P1363 format).
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return (signingInput + "." + System.Buffers.Text.Base64Url.EncodeToString(signature), expiresAt);
    }

    private static string Base64Url(string json) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
