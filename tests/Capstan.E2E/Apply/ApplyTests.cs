using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Apply;

/// <summary>`kubectl apply` (client- and server-side), `diff` and `--dry-run=server` against a real server.</summary>
[Trait("Category", "Slow")]
public sealed class ApplyTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    [Fact]
    public async Task Apply_MultiDocumentFile_CreatedThenUnchangedThenConfigured()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile(Manifests.WebApp(replicas: 2));

        var created = (await Kubectl.RunAsync("apply", "-n", ns, "-f", file)).EnsureSuccess();
        Assert.Equal(
            ["configmap/web-config created", "secret/web-secret created", "deployment.apps/web created", "service/web created"],
            created.Lines);

        var again = (await Kubectl.RunAsync("apply", "-n", ns, "-f", file)).EnsureSuccess();
        Assert.Equal(
            ["configmap/web-config unchanged", "secret/web-secret unchanged", "deployment.apps/web unchanged", "service/web unchanged"],
            again.Lines);

        var changed = Server.ManifestFile(Manifests.WebApp(replicas: 3));
        var configured = (await Kubectl.RunAsync("apply", "-n", ns, "-f", changed)).EnsureSuccess();
        Assert.Equal(
            ["configmap/web-config unchanged", "secret/web-secret unchanged", "deployment.apps/web configured", "service/web unchanged"],
            configured.Lines);

        var replicas = (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess();
        Assert.Equal("3", replicas.Stdout);
        var secret = (await Kubectl.RunAsync("get", "-n", ns, "secret", "web-secret", "-o", "jsonpath={.data.password}")).EnsureSuccess();
        Assert.Equal("czNjcmV0", secret.Stdout);
    }

    [Fact]
    public async Task ApplyServerSide_TwoManagers_ConflictUntilForced()
    {
        var ns = await Server.CreateNamespaceAsync();
        var first = Server.ManifestFile(Manifests.ConfigMap("ssa", value: "one"));
        var second = Server.ManifestFile(Manifests.ConfigMap("ssa", value: "two"));

        var created = (await Kubectl.RunAsync("apply", "--server-side", "-n", ns, "-f", first)).EnsureSuccess();
        Assert.Equal(["configmap/ssa serverside-applied"], created.Lines);
        var again = (await Kubectl.RunAsync("apply", "--server-side", "-n", ns, "-f", first)).EnsureSuccess();
        Assert.Equal(["configmap/ssa serverside-applied"], again.Lines);

        var conflict = await Kubectl.RunAsync("apply", "--server-side", "--field-manager=other", "-n", ns, "-f", second);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl\"", conflict.Stderr);
        Assert.Contains(".data.a", conflict.Stderr);
        Assert.Equal("one", (await Kubectl.RunAsync("get", "-n", ns, "cm", "ssa", "-o", "jsonpath={.data.a}")).EnsureSuccess().Stdout);

        var forced = (await Kubectl.RunAsync("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-n", ns, "-f", second)).EnsureSuccess();
        Assert.Equal(["configmap/ssa serverside-applied"], forced.Lines);
        Assert.Equal("two", (await Kubectl.RunAsync("get", "-n", ns, "cm", "ssa", "-o", "jsonpath={.data.a}")).EnsureSuccess().Stdout);
        var managers = (await Kubectl.RunAsync("get", "-n", ns, "cm", "ssa", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")).EnsureSuccess();
        Assert.Contains("other", managers.Stdout.Split(' '));
    }

    [Fact]
    public async Task ApplyServerSide_MultiDocumentWithNumbers_AppliedAndChanged()
    {
        var ns = await Server.CreateNamespaceAsync();

        var created = (await Kubectl.RunAsync("apply", "--server-side", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 2)))).EnsureSuccess();
        Assert.Equal(
            ["configmap/web-config serverside-applied", "secret/web-secret serverside-applied", "deployment.apps/web serverside-applied", "service/web serverside-applied"],
            created.Lines);

        (await Kubectl.RunAsync("apply", "--server-side", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 4)))).EnsureSuccess();

        Assert.Equal("4", (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
        Assert.Equal("80 8080", (await Kubectl.RunAsync("get", "-n", ns, "service", "web", "-o", "jsonpath={.spec.ports[0].port} {.spec.ports[0].targetPort}")).EnsureSuccess().Stdout);
        var managers = (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].operation}")).EnsureSuccess();
        // The apply is the one Apply entry; the Deployment controller's own writes (revision annotation, status) add Update entries, as in Kubernetes.
        Assert.Equal(["Apply"], managers.Stdout.Split(' ').Where(o => o != "Update"));
    }

    [Fact]
    public async Task ApplyServerSide_ManagersOwnDifferentContainers_MergedByNameAndWithdrawn()
    {
        var ns = await Server.CreateNamespaceAsync();
        const string first = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: multi
            spec:
              selector:
                matchLabels: {app: multi}
              template:
                metadata:
                  labels: {app: multi}
                spec:
                  containers:
                  - name: web
                    image: nginx:1
            """;
        const string second = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: multi
            spec:
              template:
                spec:
                  containers:
                  - name: sidecar
                    image: busybox:1
            """;
        const string secondWithdrawn = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: multi
            spec:
              replicas: 3
            """;

        (await Kubectl.RunAsync("apply", "--server-side", "--field-manager=a", "-n", ns, "-f", Server.ManifestFile(first))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "--server-side", "--field-manager=b", "-n", ns, "-f", Server.ManifestFile(second))).EnsureSuccess();
        Assert.Equal("web=nginx:1 sidecar=busybox:1", await ContainersAsync(ns));

        (await Kubectl.RunAsync("apply", "--server-side", "--field-manager=a", "-n", ns, "-f", Server.ManifestFile(first.Replace("nginx:1", "nginx:2", StringComparison.Ordinal)))).EnsureSuccess();
        Assert.Equal("web=nginx:2 sidecar=busybox:1", await ContainersAsync(ns));

        // b no longer applies its container: the fields only b owned go.
        (await Kubectl.RunAsync("apply", "--server-side", "--field-manager=b", "-n", ns, "-f", Server.ManifestFile(secondWithdrawn))).EnsureSuccess();
        Assert.Equal("web=nginx:2", await ContainersAsync(ns));
        Assert.Equal("3", (await Kubectl.RunAsync("get", "-n", ns, "deployment", "multi", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
    }

    private async Task<string> ContainersAsync(string ns) =>
        (await Kubectl.RunAsync("get", "-n", ns, "deployment", "multi", "-o", "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}")).EnsureSuccess().Stdout.Trim();

    [Fact]
    public async Task Diff_ChangedAndEqual_ExitCodesAndUnifiedDiff()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile(Manifests.WebApp(replicas: 2));
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", file)).EnsureSuccess();

        var equal = await Kubectl.RunAsync("diff", "-n", ns, "-f", file);
        Assert.Equal(0, equal.ExitCode);
        Assert.Equal("", equal.Stdout.Trim());

        var changed = await Kubectl.RunAsync("diff", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 3)));
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains($"apps.v1.Deployment.{ns}.web", changed.Stdout);
        Assert.Contains("-  replicas: 2", changed.Lines);
        Assert.Contains("+  replicas: 3", changed.Lines);
        Assert.DoesNotContain("ConfigMap", changed.Stdout);
    }

    [Fact]
    public async Task DryRunServer_CreateAndApply_NothingStored()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile(Manifests.ConfigMap("dry"));

        var create = (await Kubectl.RunAsync("create", "--dry-run=server", "-n", ns, "-f", file)).EnsureSuccess();
        Assert.Equal(["configmap/dry created (server dry run)"], create.Lines);
        var apply = (await Kubectl.RunAsync("apply", "--dry-run=server", "-n", ns, "-f", file)).EnsureSuccess();
        Assert.Equal(["configmap/dry created (server dry run)"], apply.Lines);
        var ssa = (await Kubectl.RunAsync("apply", "--server-side", "--dry-run=server", "-n", ns, "-f", file)).EnsureSuccess();
        Assert.Equal(["configmap/dry serverside-applied (server dry run)"], ssa.Lines);

        var get = await Kubectl.RunAsync("get", "-n", ns, "configmap", "dry");
        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"dry\" not found", get.Stderr);

        // A dry-run change to an existing object answers "configured" but leaves it as it was.
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 2)))).EnsureSuccess();
        var dryChange = (await Kubectl.RunAsync("apply", "--dry-run=server", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 7)))).EnsureSuccess();
        Assert.Contains("deployment.apps/web configured (server dry run)", dryChange.Lines);
        Assert.Equal("2", (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task Apply_UnknownField_StrictErrorNamesField()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = Manifests.WebApp().Replace("replicas:", "replicaz:", StringComparison.Ordinal);

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest, "bad.yaml"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error from server (BadRequest): error when creating \"", result.Stderr);
        Assert.Contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replicaz\"", result.Stderr);
        var get = await Kubectl.RunAsync("get", "-n", ns, "deployments", "-o", "name");
        Assert.Equal("", get.Stdout.Trim());
    }

    [Fact]
    public async Task Apply_UnknownFieldOnExistingObject_StrictErrorWhenPatching()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp()))).EnsureSuccess();
        var manifest = Manifests.WebApp().Replace("replicas:", "replicaz:", StringComparison.Ordinal);

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest, "bad.yaml"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error when patching \"", result.Stderr);
        Assert.Contains("strict decoding error: unknown field \"spec.replicaz\"", result.Stderr);
        Assert.Equal("2", (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task Apply_InvalidName_InvalidError()
    {
        var ns = await Server.CreateNamespaceAsync();

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("Bad_Name")));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", result.Stderr);
        Assert.DoesNotContain("Bad_Name", (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-o", "name")).Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Apply_WrongFieldType_Rejected()
    {
        var ns = await Server.CreateNamespaceAsync();
        var manifest = Manifests.WebApp().Replace("replicas: 2", "replicas: many", StringComparison.Ordinal);

        var create = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(manifest, "typed.yaml"));
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("Deployment in version \"v1\" cannot be handled as a Deployment", create.Stderr);
        Assert.Contains("spec.replicas", create.Stderr);

        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp()))).EnsureSuccess();
        var patch = await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=merge", "-p", """{"spec":{"replicas":"many"}}""");
        Assert.NotEqual(0, patch.ExitCode);
        Assert.Equal("2", (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task Apply_MalformedYaml_ParseError()
    {
        var ns = await Server.CreateNamespaceAsync();

        var result = await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n", "broken.yaml"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error converting YAML to JSON", result.Stderr);
    }

    [Fact]
    public async Task CreateRaw_MalformedJson_BadRequestNot500()
    {
        var ns = await Server.CreateNamespaceAsync();
        var file = Server.ManifestFile("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"", "broken.json");

        var result = await Kubectl.RunAsync("create", "--raw", $"/api/v1/namespaces/{ns}/configmaps", "-f", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("Error from server (BadRequest):", result.Stderr.Trim());
    }
}
