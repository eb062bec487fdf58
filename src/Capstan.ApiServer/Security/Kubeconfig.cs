using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Capstan.ApiServer.Security;

/// <summary>Renders a kubeconfig with one cluster, one user and one context, credentials embedded as base64 data.</summary>
public static class Kubeconfig
{
    /// <param name="server">e.g. <c>https://127.0.0.1:6443</c>.</param>
    /// <param name="ca">The CA clients verify the server against.</param>
    /// <param name="clientCertificate">A client certificate WITH its ECDSA private key.</param>
    public static string Render(
        string server,
        X509Certificate2 ca,
        X509Certificate2 clientCertificate,
        string clusterName = "capstan",
        string userName = "admin",
        string contextName = "capstan")
    {
        using var key = clientCertificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The client certificate has no ECDSA private key.", nameof(clientCertificate));
        var caData = Base64(ca.ExportCertificatePem());
        var certData = Base64(clientCertificate.ExportCertificatePem());
        var keyData = Base64(key.ExportPkcs8PrivateKeyPem());

        // Written by hand: every value is a plain name, a URL or base64, none needs YAML quoting rules beyond these.
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\n");
        yaml.Append("kind: Config\n");
        yaml.Append("clusters:\n");
        yaml.Append("- name: ").Append(Quote(clusterName)).Append('\n');
        yaml.Append("  cluster:\n");
        yaml.Append("    server: ").Append(Quote(server)).Append('\n');
        yaml.Append("    certificate-authority-data: ").Append(caData).Append('\n');
        yaml.Append("users:\n");
        yaml.Append("- name: ").Append(Quote(userName)).Append('\n');
        yaml.Append("  user:\n");
        yaml.Append("    client-certificate-data: ").Append(certData).Append('\n');
        yaml.Append("    client-key-data: ").Append(keyData).Append('\n');
        yaml.Append("contexts:\n");
        yaml.Append("- name: ").Append(Quote(contextName)).Append('\n');
        yaml.Append("  context:\n");
        yaml.Append("    cluster: ").Append(Quote(clusterName)).Append('\n');
        yaml.Append("    user: ").Append(Quote(userName)).Append('\n');
        yaml.Append("current-context: ").Append(Quote(contextName)).Append('\n');
        yaml.Append("preferences: {}\n");
        return yaml.ToString();
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));

    // Double-quoted YAML scalars: safe for names containing ':' such as system:admin.
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
