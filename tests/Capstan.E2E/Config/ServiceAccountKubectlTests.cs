using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Config;

/// <summary>`kubectl create token`, the kube-api-access volume in a running pod, and its token used against the API from inside the pod.</summary>
[Trait("Category", "Slow")]
public sealed class ServiceAccountKubectlTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private const string TokenDir = "/var/run/secrets/kubernetes.io/serviceaccount";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task CreateToken_AudienceAndDuration_SignedForThatAudience()
    {
        var ns = await NamespaceWithDefaultAccountAsync();

        var token = (await _kubectl.RunAsync("create", "token", "default", "-n", ns, "--audience", "x", "--duration", "10m")).EnsureSuccess().Stdout.Trim();

        using var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]));
        var root = payload.RootElement;
        Assert.Equal("x", root.GetProperty("aud")[0].GetString());
        Assert.Equal(600, root.GetProperty("exp").GetInt64() - root.GetProperty("iat").GetInt64());
        Assert.Equal($"system:serviceaccount:{ns}:default", root.GetProperty("sub").GetString());
        Assert.False((await ReviewAsync(token))["status"]!["authenticated"]?.GetValue<bool>() ?? false);

        var apiToken = (await _kubectl.RunAsync("create", "token", "default", "-n", ns)).EnsureSuccess().Stdout.Trim();
        var review = await ReviewAsync(apiToken);
        Assert.True(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal($"system:serviceaccount:{ns}:default", review["status"]!["user"]!["username"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pod_ProjectedToken_ReachesTheApiFromInside_AndDiesWithThePod()
    {
        var ns = await NamespaceWithDefaultAccountAsync();
        (await _kubectl.RunAsync("create", "rolebinding", "default-view", "-n", ns, "--clusterrole=view", $"--serviceaccount={ns}:default")).EnsureSuccess();
        var manifest = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: capstan/shell
                command: ["/bin/sh", "-c", "sleep 3600"]
            """;
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();
        (await _kubectl.RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/client", "--timeout=60s"], null, Bound)).EnsureSuccess();

        Assert.Equal(ns, await ExecAsync(ns, $"cat {TokenDir}/namespace"));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await ExecAsync(ns, $"cat {TokenDir}/ca.crt"), StringComparison.Ordinal);
        var token = await ExecAsync(ns, $"cat {TokenDir}/token");
        using (var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])))
        {
            Assert.Equal("client", payload.RootElement.GetProperty("kubernetes.io").GetProperty("pod").GetProperty("name").GetString());
        }

        // What an in-cluster client does: the mounted CA and token against the API server.
        var list = await ExecAsync(ns,
            $"curl -sS --cacert {TokenDir}/ca.crt -H \"Authorization: Bearer $(cat {TokenDir}/token)\" https://127.0.0.1:{cluster.Port}/api/v1/namespaces/$(cat {TokenDir}/namespace)/pods");
        Assert.Equal("PodList", JsonNode.Parse(list)!["kind"]!.GetValue<string>());

        var review = await ReviewAsync(token);
        Assert.True(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal("client", review["status"]!["user"]!["extra"]!["authentication.kubernetes.io/pod-name"]![0]!.GetValue<string>());

        (await _kubectl.RunAsync("delete", "pod", "client", "-n", ns, "--grace-period=1")).EnsureSuccess();
        await WorkloadCluster.WaitAsync(async () => !((await ReviewAsync(token))["status"]!["authenticated"]?.GetValue<bool>() ?? false), Bound, "the deleted pod's token to be rejected");
    }

    private async Task<string> NamespaceWithDefaultAccountAsync()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await WorkloadCluster.WaitAsync(async () =>
            (await _kubectl.RunAsync("get", "serviceaccount", "default", "-n", ns)).ExitCode == 0
            && (await _kubectl.RunAsync("get", "configmap", "kube-root-ca.crt", "-n", ns)).ExitCode == 0,
            Bound, "the default ServiceAccount and kube-root-ca.crt");
        return ns;
    }

    private async Task<JsonNode> ReviewAsync(string token)
    {
        var review = $"apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: {token}\n";
        var result = (await _kubectl.RunWithInputAsync(review, "create", "--validate=false", "-f", "-", "-o", "json")).EnsureSuccess();
        return JsonNode.Parse(result.Stdout)!;
    }

    private async Task<string> ExecAsync(string ns, string script)
    {
        var result = (await _kubectl.RunAsync("exec", "-n", ns, "client", "--", "/bin/sh", "-c", script)).EnsureSuccess();
        return result.Stdout.TrimEnd('\n');
    }
}
