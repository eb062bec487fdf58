using System.Security.Cryptography.X509Certificates;
using Capstan.Api.Kinds.Certificates;

namespace Capstan.Controllers.Certificates;

/// <summary>What each signer Capstan runs accepts, as Kubernetes documents its kubernetes.io signers.</summary>
public static class SignerRules
{
    /// <summary>The signers the cluster CA issues for.</summary>
    public static readonly IReadOnlySet<string> Handled = new HashSet<string>(StringComparer.Ordinal)
    {
        CertificateSigners.KubeApiServerClient,
        CertificateSigners.KubeApiServerClientKubelet,
    };

    private const string NodeUserPrefix = "system:node:";
    private const string NodesGroup = "system:nodes";

    /// <summary>Null when the signer may issue the request; else why not (the Failed condition's message).</summary>
    public static string? Check(string signerName, X500DistinguishedName subject, IReadOnlyList<string> usages)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(usages);
        if (ClientUsagesError(usages) is { } usageError)
        {
            return usageError;
        }

        if (signerName != CertificateSigners.KubeApiServerClientKubelet)
        {
            return null;
        }

        var organizations = Values(subject, "2.5.4.10");
        if (organizations.Count != 1 || organizations[0] != NodesGroup)
        {
            return $"subject organization is not {NodesGroup}";
        }

        var commonNames = Values(subject, "2.5.4.3");
        return commonNames.Count == 1 && commonNames[0].StartsWith(NodeUserPrefix, StringComparison.Ordinal) && commonNames[0].Length > NodeUserPrefix.Length
            ? null
            : $"subject common name does not begin with {NodeUserPrefix}";
    }

    private static string? ClientUsagesError(IReadOnlyList<string> usages)
    {
        foreach (var usage in usages)
        {
            if (usage is not (CertificateUsages.DigitalSignature or CertificateUsages.KeyEncipherment or CertificateUsages.ClientAuth))
            {
                return $"invalid usage for client certificate: {usage}";
            }
        }

        return usages.Contains(CertificateUsages.ClientAuth) ? null : $"missing required usage for client certificate: {CertificateUsages.ClientAuth}";
    }

    private static List<string> Values(X500DistinguishedName subject, string oid) =>
        subject.EnumerateRelativeDistinguishedNames()
            .Where(rdn => !rdn.HasMultipleElements && rdn.GetSingleElementType().Value == oid)
            .Select(rdn => rdn.GetSingleElementValue() ?? "")
            .ToList();
}
