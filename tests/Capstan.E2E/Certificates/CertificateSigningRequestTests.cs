using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Certificates;

/// <summary>
/// certificates.k8s.io/v1 with kubectl: a CSR applied, `kubectl certificate approve|deny`, the cluster signer's certificate
/// used as a client credential (`kubectl auth whoami`), validation, the Failed condition, and who may approve.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CertificateSigningRequestTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Approve_IssuedCertificate_AuthenticatesAsTheCsrSubject()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = "jane-" + Guid.NewGuid().ToString("N")[..6];
        (await ApplyAsync(name, Csr(key, "CN=jane, O=developers, O=qa"), expirationSeconds: 3600)).EnsureSuccess();

        var pending = (await Kubectl.RunAsync("get", "csr", name)).EnsureSuccess();
        Assert.Contains("kubernetes.io/kube-apiserver-client", pending.Stdout, StringComparison.Ordinal);
        Assert.Contains("Pending", pending.Stdout, StringComparison.Ordinal);
        var requestor = (await Kubectl.RunAsync("get", "csr", name, "-o", "jsonpath={.spec.username}")).EnsureSuccess().Stdout;
        Assert.Equal("system:admin", requestor);

        (await Kubectl.RunAsync("certificate", "approve", name)).EnsureSuccess();
        var pem = await WaitForCertificateAsync(name);

        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Contains("CN=jane", certificate.Subject, StringComparison.Ordinal);
        Assert.Contains("O=developers", certificate.Subject, StringComparison.Ordinal);
        Assert.Contains("O=qa", certificate.Subject, StringComparison.Ordinal);
        var lifetime = certificate.NotAfter - certificate.NotBefore;
        Assert.InRange(lifetime, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(66)); // 1 h asked, backdated 5 min
        Assert.Contains("Approved,Issued", (await Kubectl.RunAsync("get", "csr", name)).EnsureSuccess().Stdout, StringComparison.Ordinal);
        var approved = JsonNode.Parse((await Kubectl.RunAsync("get", "csr", name, "-o", "json")).EnsureSuccess().Stdout)!;
        var condition = approved["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Approved")!;
        Assert.Equal("KubectlApprove", condition["reason"]!.GetValue<string>());

        var kubeconfig = await KubeconfigForAsync(name, certificate.CopyWithPrivateKey(key));
        var whoami = JsonNode.Parse((await new Kubectl(kubeconfig).RunAsync("auth", "whoami", "-o", "json")).EnsureSuccess().Stdout)!;
        Assert.Equal("jane", whoami["status"]!["userInfo"]!["username"]!.GetValue<string>());
        var groups = whoami["status"]!["userInfo"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()).ToList();
        Assert.Contains("developers", groups);
        Assert.Contains("qa", groups);
        Assert.Contains("system:authenticated", groups);
    }

    [Fact]
    public async Task Deny_SetsDeniedCondition_AndNoCertificateIsIssued()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var denied = "denied-" + Guid.NewGuid().ToString("N")[..6];
        (await ApplyAsync(denied, Csr(key, "CN=mallory"))).EnsureSuccess();

        (await Kubectl.RunAsync("certificate", "deny", denied)).EnsureSuccess();

        // An approved request made after the denied one is issued: the signer has seen both by then.
        var approved = "after-" + Guid.NewGuid().ToString("N")[..6];
        (await ApplyAsync(approved, Csr(key, "CN=alice"))).EnsureSuccess();
        (await Kubectl.RunAsync("certificate", "approve", approved)).EnsureSuccess();
        await WaitForCertificateAsync(approved);

        var csr = JsonNode.Parse((await Kubectl.RunAsync("get", "csr", denied, "-o", "json")).EnsureSuccess().Stdout)!;
        var types = csr["status"]!["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(["Denied"], types);
        Assert.Null(csr["status"]!["certificate"]);
        Assert.Contains("Denied", (await Kubectl.RunAsync("get", "csr", denied)).EnsureSuccess().Stdout, StringComparison.Ordinal);

        // A decision stands: approving a denied request is refused (kubectl says so without --force; the API refuses both).
        Assert.NotEqual(0, (await Kubectl.RunAsync("certificate", "approve", denied, "--force")).ExitCode);
    }

    [Fact]
    public async Task Approve_UsageTheSignerDoesNotAllow_GetsFailedCondition()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = "server-" + Guid.NewGuid().ToString("N")[..6];
        (await ApplyAsync(name, Csr(key, "CN=web"), usages: ["digital signature", "server auth"])).EnsureSuccess();

        (await Kubectl.RunAsync("certificate", "approve", name)).EnsureSuccess();

        JsonNode? failed = null;
        await WaitAsync(async () =>
        {
            var csr = JsonNode.Parse((await Kubectl.RunAsync("get", "csr", name, "-o", "json")).EnsureSuccess().Stdout)!;
            failed = csr["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c!["type"]!.GetValue<string>() == "Failed");
            return failed is not null;
        }, "the Failed condition");
        Assert.Equal("SignerValidationFailure", failed!["reason"]!.GetValue<string>());
        Assert.Contains("server auth", failed["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await Kubectl.RunAsync("get", "csr", name, "-o", "jsonpath={.status.certificate}")).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task Create_InvalidRequests_AreRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var garbage = Convert.ToBase64String(Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));

        var bad = await ApplyAsync("bad-" + Guid.NewGuid().ToString("N")[..6], garbage);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("spec.request", bad.Stderr, StringComparison.Ordinal);

        var short_ = await ApplyAsync("short-" + Guid.NewGuid().ToString("N")[..6], Csr(key, "CN=x"), expirationSeconds: 300);
        Assert.NotEqual(0, short_.ExitCode);
        Assert.Contains("may not specify a duration less than 600 seconds", short_.Stderr, StringComparison.Ordinal);

        var noUsages = await ApplyAsync("nousage-" + Guid.NewGuid().ToString("N")[..6], Csr(key, "CN=x"), usages: []);
        Assert.NotEqual(0, noUsages.ExitCode);
        Assert.Contains("spec.usages", noUsages.Stderr, StringComparison.Ordinal);

        var masters = await ApplyAsync("masters-" + Guid.NewGuid().ToString("N")[..6], Csr(key, "CN=root, O=system:masters"));
        Assert.NotEqual(0, masters.ExitCode);
        Assert.Contains("system:masters group is not allowed", masters.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_WithoutApproveOnTheSigner_IsForbidden()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = "rbac-" + Guid.NewGuid().ToString("N")[..6];
        var user = "approver-" + Guid.NewGuid().ToString("N")[..6];
        (await ApplyAsync(name, Csr(key, "CN=bob"))).EnsureSuccess();
        (await Kubectl.RunAsync("create", "clusterrole", user + "-csr", "--verb=get,list,update", "--resource=certificatesigningrequests,certificatesigningrequests/approval")).EnsureSuccess();
        (await Kubectl.RunAsync("create", "clusterrolebinding", user + "-csr", "--clusterrole=" + user + "-csr", "--user=" + user)).EnsureSuccess();

        var refused = await Kubectl.RunAsync("certificate", "approve", name, "--as", user);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("user not permitted to approve requests with signerName \"kubernetes.io/kube-apiserver-client\"", refused.Stderr, StringComparison.Ordinal);

        var signerRole = $"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: {user}-signer
            rules:
            - apiGroups: ["certificates.k8s.io"]
              resources: ["signers"]
              resourceNames: ["kubernetes.io/*"]
              verbs: ["approve"]
            """;
        (await Kubectl.RunAsync("apply", "-f", Server.ManifestFile(signerRole))).EnsureSuccess();
        (await Kubectl.RunAsync("create", "clusterrolebinding", user + "-signer", "--clusterrole=" + user + "-signer", "--user=" + user)).EnsureSuccess();

        (await Kubectl.RunAsync("certificate", "approve", name, "--as", user)).EnsureSuccess();
        await WaitForCertificateAsync(name);
    }

    private Task<KubectlResult> ApplyAsync(string name, string request, long? expirationSeconds = null, string[]? usages = null, string signer = "kubernetes.io/kube-apiserver-client")
    {
        usages ??= ["client auth", "digital signature"];
        var manifest = new StringBuilder($"""
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata:
              name: {name}
            spec:
              request: {request}
              signerName: {signer}

            """);
        manifest.Append(usages.Length == 0 ? "  usages: []\n" : "  usages:\n" + string.Concat(usages.Select(u => $"  - {u}\n")));
        if (expirationSeconds is { } seconds)
        {
            manifest.Append($"  expirationSeconds: {seconds}\n");
        }

        return Kubectl.RunAsync("apply", "-f", Server.ManifestFile(manifest.ToString()));
    }

    private static string Csr(ECDsa key, string subject) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem()));

    private async Task<string> WaitForCertificateAsync(string name)
    {
        var encoded = "";
        await WaitAsync(async () =>
        {
            encoded = (await Kubectl.RunAsync("get", "csr", name, "-o", "jsonpath={.status.certificate}")).EnsureSuccess().Stdout.Trim();
            return encoded.Length > 0;
        }, $"CSR {name}'s certificate");
        return Encoding.ASCII.GetString(Convert.FromBase64String(encoded));
    }

    /// <summary>A kubeconfig for the API server with the given client certificate, written by kubectl config itself.</summary>
    private async Task<string> KubeconfigForAsync(string name, X509Certificate2 certificate)
    {
        var dir = Path.GetDirectoryName(Server.ManifestFile("", name + ".keep"))!;
        var certFile = Path.Combine(dir, name + ".crt");
        var keyFile = Path.Combine(dir, name + ".key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        using (var key = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        var path = Path.Combine(dir, name + ".kubeconfig");
        string[][] commands =
        [
            ["config", "set-cluster", "capstan", $"--server=https://127.0.0.1:{Server.Port}", $"--certificate-authority={Path.Combine(Server.DataDir, "ca.crt")}", "--embed-certs"],
            ["config", "set-credentials", name, $"--client-certificate={certFile}", $"--client-key={keyFile}", "--embed-certs"],
            ["config", "set-context", "capstan", "--cluster=capstan", $"--user={name}"],
            ["config", "use-context", "capstan"],
        ];
        var kubectl = new Kubectl(path);
        foreach (var command in commands)
        {
            (await kubectl.RunAsync(command)).EnsureSuccess();
        }

        return path;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(200);
        }
    }
}
