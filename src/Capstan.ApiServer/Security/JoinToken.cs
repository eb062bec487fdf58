using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>
/// The node-join token, in k3s' "secure" format: <c>K10&lt;ca-hash&gt;::server:&lt;secret&gt;</c>, where
/// <c>ca-hash</c> is the lowercase hex SHA-256 of the cluster CA certificate's DER encoding and <c>secret</c> is
/// 32 random bytes in lowercase hex. An agent holding the token can pin the CA it downloads before trusting the server;
/// the server accepts the full token or the bare secret as a bearer token.
/// </summary>
public static class JoinToken
{
    private const string Prefix = "K10";
    private const string Separator = "::server:";

    /// <summary>Who presents the join token: user <c>capstan:agent-join</c> in groups <c>system:bootstrappers</c> and <c>system:nodes</c>.</summary>
    public static UserInfo User { get; } = new(
        SystemUsers.AgentJoin, SystemGroups.Bootstrappers, SystemGroups.Nodes, SystemGroups.Authenticated);

    public static string CaHash(X509Certificate2 ca) => Convert.ToHexStringLower(ca.GetCertHash(HashAlgorithmName.SHA256));

    public static string Create(X509Certificate2 ca) => Format(CaHash(ca), NewSecret());

    public static string Format(string caHash, string secret) => Prefix + caHash + Separator + secret;

    public static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Splits a full token; a bare secret parses with an empty <paramref name="caHash"/>.</summary>
    public static bool TryParse(string token, out string caHash, out string secret)
    {
        caHash = "";
        secret = "";
        if (string.IsNullOrWhiteSpace(token))
        {
            return false;
        }

        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            secret = token;
            return !token.Contains(':', StringComparison.Ordinal);
        }

        var separator = token.IndexOf(Separator, StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }

        caHash = token[Prefix.Length..separator];
        secret = token[(separator + Separator.Length)..];
        return caHash.Length == 64 && secret.Length > 0;
    }

    /// <summary>True when <paramref name="token"/> names <paramref name="ca"/> (or names no CA at all).</summary>
    public static bool PinsCa(string token, X509Certificate2 ca) =>
        TryParse(token, out var caHash, out _) && (caHash.Length == 0 || string.Equals(caHash, CaHash(ca), StringComparison.OrdinalIgnoreCase));
}
