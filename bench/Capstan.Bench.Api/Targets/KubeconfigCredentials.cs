using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Capstan.Bench.Api.Targets;

/// <summary>The CA and admin client certificate a Capstan kubeconfig carries as base64 PEM data.</summary>
public sealed partial class KubeconfigCredentials : IDisposable
{
    private KubeconfigCredentials(X509Certificate2 ca, X509Certificate2 client)
    {
        Ca = ca;
        Client = client;
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Client { get; }

    public static KubeconfigCredentials Load(string path)
    {
        var yaml = File.ReadAllText(path);
        var caPem = Field(yaml, "certificate-authority-data");
        var certPem = Field(yaml, "client-certificate-data");
        var keyPem = Field(yaml, "client-key-data");
        var ca = X509Certificate2.CreateFromPem(caPem);
        using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);

        // A PKCS#12 round trip gives the key a form every TLS stack accepts for client authentication.
        var client = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        return new KubeconfigCredentials(ca, client);
    }

    private static string Field(string yaml, string name)
    {
        var match = FieldPattern().Matches(yaml).FirstOrDefault(m => m.Groups["name"].Value == name)
            ?? throw new InvalidDataException($"kubeconfig has no {name}");
        return Encoding.ASCII.GetString(Convert.FromBase64String(match.Groups["value"].Value.Trim()));
    }

    [GeneratedRegex(@"^\s*(?<name>[a-z-]+-data):\s*(?<value>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex FieldPattern();

    public void Dispose()
    {
        Ca.Dispose();
        Client.Dispose();
    }
}
