using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Config;

/// <summary>kubectl's Secret and ConfigMap generators, the type rules, `immutable`, and `capstan secrets-encrypt` against a server.</summary>
[Trait("Category", "Slow")]
public sealed class SecretConfigKubectlTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    [Fact]
    public async Task CreateSecretGeneric_FromLiteralAndFile_StoresDecodableData()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile("file-content\n", "key.txt");

        (await Kubectl.RunAsync("create", "secret", "generic", "creds", "-n", ns, "--from-literal=user=admin", $"--from-file={file}")).EnsureSuccess();

        var secret = await GetJsonAsync(ns, "secret", "creds");
        Assert.Equal("Opaque", secret.GetProperty("type").GetString());
        Assert.Equal("admin", Decode(secret, "user"));
        Assert.Equal("file-content\n", Decode(secret, "key.txt"));
    }

    [Fact]
    public async Task CreateSecretTls_CertificateAndKey_HasTlsType()
    {
        var ns = await Server.CreateNamespaceAsync();
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=example.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var cert = Server.ManifestFile(certificate.ExportCertificatePem(), "tls.crt");
        var key = Server.ManifestFile(rsa.ExportPkcs8PrivateKeyPem(), "tls.key");

        (await Kubectl.RunAsync("create", "secret", "tls", "web-tls", "-n", ns, "--cert", cert, "--key", key)).EnsureSuccess();

        var secret = await GetJsonAsync(ns, "secret", "web-tls");
        Assert.Equal("kubernetes.io/tls", secret.GetProperty("type").GetString());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", Decode(secret, "tls.crt"), StringComparison.Ordinal);
        Assert.Contains("PRIVATE KEY-----", Decode(secret, "tls.key"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSecretDockerRegistry_Credentials_StoresDockerConfigJson()
    {
        var ns = await Server.CreateNamespaceAsync();

        (await Kubectl.RunAsync("create", "secret", "docker-registry", "pull", "-n", ns,
            "--docker-server=registry.example.test", "--docker-username=u", "--docker-password=p", "--docker-email=u@example.test")).EnsureSuccess();

        var secret = await GetJsonAsync(ns, "secret", "pull");
        Assert.Equal("kubernetes.io/dockerconfigjson", secret.GetProperty("type").GetString());
        using var config = JsonDocument.Parse(Decode(secret, ".dockerconfigjson"));
        Assert.Equal("u", config.RootElement.GetProperty("auths").GetProperty("registry.example.test").GetProperty("username").GetString());
    }

    [Fact]
    public async Task CreateConfigMap_FromLiteralFileAndEnvFile_StoresEveryKey()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile("server { listen 80; }\n", "nginx.conf");
        var env = Server.ManifestFile("# comment\nLOG_LEVEL=debug\nREGION=eu\n", "app.env");

        (await Kubectl.RunAsync("create", "configmap", "literal", "-n", ns, "--from-literal=a=1", "--from-literal=b=two")).EnsureSuccess();
        (await Kubectl.RunAsync("create", "configmap", "files", "-n", ns, $"--from-file={file}", $"--from-file=renamed={file}")).EnsureSuccess();
        (await Kubectl.RunAsync("create", "configmap", "env", "-n", ns, $"--from-env-file={env}")).EnsureSuccess();

        var literal = (await GetJsonAsync(ns, "configmap", "literal")).GetProperty("data");
        Assert.Equal("1", literal.GetProperty("a").GetString());
        Assert.Equal("two", literal.GetProperty("b").GetString());
        var files = (await GetJsonAsync(ns, "configmap", "files")).GetProperty("data");
        Assert.Equal("server { listen 80; }\n", files.GetProperty("nginx.conf").GetString());
        Assert.Equal("server { listen 80; }\n", files.GetProperty("renamed").GetString());
        var fromEnv = (await GetJsonAsync(ns, "configmap", "env")).GetProperty("data");
        Assert.Equal("debug", fromEnv.GetProperty("LOG_LEVEL").GetString());
        Assert.Equal("eu", fromEnv.GetProperty("REGION").GetString());
    }

    [Fact]
    public async Task CreateConfigMap_BinaryFile_GoesToBinaryData()
    {
        var ns = await Server.CreateNamespaceAsync();
        var path = Server.ManifestFile("", "blob.bin");
        File.WriteAllBytes(path, [0xff, 0xfe, 0x00, 0x01]);

        (await Kubectl.RunAsync("create", "configmap", "bin", "-n", ns, $"--from-file={path}")).EnsureSuccess();

        var cm = await GetJsonAsync(ns, "configmap", "bin");
        Assert.Equal([0xff, 0xfe, 0x00, 0x01], Convert.FromBase64String(cm.GetProperty("binaryData").GetProperty("blob.bin").GetString()!));
    }

    [Fact]
    public async Task Apply_TlsSecretWithoutKey_IsInvalid()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: half\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: x\n";

        var result = await Kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The Secret \"half\" is invalid: data[tls.key]: Required value", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_ImmutableSecretData_IsForbidden()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: frozen\nimmutable: true\nstringData:\n  k: v\n";
        (await Kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-")).EnsureSuccess();

        var change = await Kubectl.RunAsync("patch", "secret", "frozen", "-n", ns, "--type=merge", "-p", "{\"stringData\":{\"k\":\"other\"}}");
        var unset = await Kubectl.RunAsync("patch", "secret", "frozen", "-n", ns, "--type=merge", "-p", "{\"immutable\":false}");
        var retype = await Kubectl.RunAsync("patch", "secret", "frozen", "-n", ns, "--type=merge", "-p", "{\"type\":\"kubernetes.io/basic-auth\"}");

        Assert.NotEqual(0, change.ExitCode);
        Assert.Contains("data: Forbidden: field is immutable when `immutable` is set", change.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, unset.ExitCode);
        Assert.Contains("immutable: Forbidden: field is immutable when `immutable` is set", unset.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, retype.ExitCode);
        Assert.Contains("field is immutable", retype.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretsEncrypt_RotateAndReencrypt_SecretsStayReadable()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("create", "secret", "generic", "rotated", "-n", ns, "--from-literal=token=abc123")).EnsureSuccess();

        var status = await CapstanProcess.RunAsync("secrets-encrypt", "status", "--data-dir", Server.DataDir);
        var rotate = await CapstanProcess.RunAsync("secrets-encrypt", "rotate", "--data-dir", Server.DataDir);
        var reencrypt = await CapstanProcess.RunAsync("secrets-encrypt", "reencrypt", "--data-dir", Server.DataDir);

        Assert.Contains("Active Key: key-", status, StringComparison.Ordinal);
        Assert.Contains("New write key: key-", rotate, StringComparison.Ordinal);
        Assert.Contains("Re-encrypted objects:", reencrypt, StringComparison.Ordinal);
        Assert.Contains("Plaintext objects: 0", reencrypt, StringComparison.Ordinal);
        Assert.Equal("abc123", Decode(await GetJsonAsync(ns, "secret", "rotated"), "token"));
    }

    private async Task<JsonElement> GetJsonAsync(string ns, string kind, string name)
    {
        var result = (await Kubectl.RunAsync("get", kind, name, "-n", ns, "-o", "json")).EnsureSuccess();
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private static string Decode(JsonElement secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(secret.GetProperty("data").GetProperty(key).GetString()!));
}
