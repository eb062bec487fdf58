namespace Capstan.ApiServer.Security;

/// <summary>What a service-account token says about its holder (the <c>kubernetes.io</c> private claims plus the standard ones).</summary>
/// <param name="BoundPodName">The pod the token is bound to (projected volume tokens), empty when unbound.</param>
/// <param name="Id">The <c>jti</c> claim.</param>
public sealed record ServiceAccountTokenClaims(
    string Namespace,
    string ServiceAccountName,
    string ServiceAccountUid,
    IReadOnlyList<string> Audiences,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string Id,
    string BoundPodName = "",
    string BoundPodUid = "",
    string BoundNodeName = "",
    string BoundNodeUid = "");
