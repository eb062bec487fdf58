using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Edit;

/// <summary>`label`, `annotate`, `patch`, `scale`, `delete` and the `create` generators.</summary>
[Trait("Category", "Slow")]
public sealed class EditTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private async Task<string> NamespaceWithWebAppAsync()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 2)))).EnsureSuccess();
        return ns;
    }

    private async Task<string> JsonPathAsync(string ns, string resource, string expression) =>
        (await Kubectl.RunAsync("get", "-n", ns, resource, "-o", "jsonpath=" + expression)).EnsureSuccess().Stdout;

    [Fact]
    public async Task Label_AddOverwriteRemove()
    {
        var ns = await NamespaceWithWebAppAsync();

        Assert.Equal(["configmap/web-config labeled"], (await Kubectl.RunAsync("label", "-n", ns, "configmap", "web-config", "tier=front")).EnsureSuccess().Lines);
        Assert.Equal("front", await JsonPathAsync(ns, "configmap/web-config", "{.metadata.labels.tier}"));

        var refused = await Kubectl.RunAsync("label", "-n", ns, "configmap", "web-config", "tier=back");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("'tier' already has a value (front), and --overwrite is false", refused.Stderr);

        Assert.Equal(["configmap/web-config labeled"], (await Kubectl.RunAsync("label", "-n", ns, "configmap", "web-config", "tier=back", "--overwrite")).EnsureSuccess().Lines);
        Assert.Equal("back", await JsonPathAsync(ns, "configmap/web-config", "{.metadata.labels.tier}"));

        Assert.Equal(["configmap/web-config unlabeled"], (await Kubectl.RunAsync("label", "-n", ns, "configmap", "web-config", "tier-")).EnsureSuccess().Lines);
        var labels = await JsonPathAsync(ns, "configmap/web-config", "{.metadata.labels}");
        Assert.DoesNotContain("tier", labels);
        Assert.Contains("\"app\":\"web\"", labels);
    }

    [Fact]
    public async Task Annotate_AddOverwriteRemove()
    {
        var ns = await NamespaceWithWebAppAsync();

        Assert.Equal(["deployment.apps/web annotated"], (await Kubectl.RunAsync("annotate", "-n", ns, "deployment", "web", "note=first")).EnsureSuccess().Lines);
        Assert.Equal("first", await JsonPathAsync(ns, "deployment/web", "{.metadata.annotations.note}"));

        var refused = await Kubectl.RunAsync("annotate", "-n", ns, "deployment", "web", "note=second");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("'note' already has a value (first)", refused.Stderr);

        (await Kubectl.RunAsync("annotate", "-n", ns, "deployment", "web", "note=second", "--overwrite")).EnsureSuccess();
        Assert.Equal("second", await JsonPathAsync(ns, "deployment/web", "{.metadata.annotations.note}"));

        Assert.Equal(["deployment.apps/web annotated"], (await Kubectl.RunAsync("annotate", "-n", ns, "deployment", "web", "note-")).EnsureSuccess().Lines);
        var annotations = await JsonPathAsync(ns, "deployment/web", "{.metadata.annotations}");
        Assert.DoesNotContain("note", annotations);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", annotations);
    }

    [Fact]
    public async Task Patch_Strategic_ChangesOneContainerKeepsOther()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync(
            "patch", "-n", ns, "deployment", "web", "--type=strategic",
            "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}""")).EnsureSuccess();

        Assert.Equal(["deployment.apps/web patched"], result.Lines);
        var images = await JsonPathAsync(ns, "deployment/web", "{range .spec.template.spec.containers[*]}{.name}={.image}{\"\\n\"}{end}");
        Assert.Equal(["web=nginx:1.26", "sidecar=busybox:1.36"], images.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Patch_MergeAndJson_Applied()
    {
        var ns = await NamespaceWithWebAppAsync();

        var merge = (await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=merge", "-p", """{"metadata":{"labels":{"tier":"front"}}}""")).EnsureSuccess();
        Assert.Equal(["deployment.apps/web patched"], merge.Lines);
        Assert.Equal("front web", await JsonPathAsync(ns, "deployment/web", "{.metadata.labels.tier} {.metadata.labels.app}"));

        var json = (await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=json", "-p", """[{"op":"replace","path":"/spec/replicas","value":4}]""")).EnsureSuccess();
        Assert.Equal(["deployment.apps/web patched"], json.Lines);
        Assert.Equal("4", await JsonPathAsync(ns, "deployment/web", "{.spec.replicas}"));

        // A merge patch that replaces the containers list wholesale: the sidecar goes.
        (await Kubectl.RunAsync(
            "patch", "-n", ns, "deployment", "web", "--type=merge",
            "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}""")).EnsureSuccess();
        Assert.Equal("web", await JsonPathAsync(ns, "deployment/web", "{.spec.template.spec.containers[*].name}"));

        var same = (await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=merge", "-p", """{"spec":{"replicas":4}}""")).EnsureSuccess();
        Assert.Equal(["deployment.apps/web patched (no change)"], same.Lines);

        var badTest = await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=json", "-p", """[{"op":"test","path":"/spec/replicas","value":9}]""");
        Assert.NotEqual(0, badTest.ExitCode);
        Assert.Contains("The request is invalid", badTest.Stderr);
        Assert.Equal("4", await JsonPathAsync(ns, "deployment/web", "{.spec.replicas}"));
    }

    [Fact]
    public async Task Scale_Deployment_ReplicasUpdated()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("scale", "-n", ns, "deployment", "web", "--replicas=5")).EnsureSuccess();

        Assert.Equal(["deployment.apps/web scaled"], result.Lines);
        Assert.Equal("5", await JsonPathAsync(ns, "deployment/web", "{.spec.replicas}"));
        var scale = (await Kubectl.RunAsync("get", "--raw", $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale")).EnsureSuccess();
        Assert.Contains("\"kind\":\"Scale\"", scale.Stdout);
        Assert.Contains("\"replicas\":5", scale.Stdout);
    }

    [Fact]
    public async Task Scale_CurrentReplicasPrecondition_RefusedWhenDifferent()
    {
        var ns = await NamespaceWithWebAppAsync();

        var refused = await Kubectl.RunAsync("scale", "-n", ns, "deployment", "web", "--current-replicas=9", "--replicas=3");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Expected replicas to be 9, was 2", refused.Stderr);

        (await Kubectl.RunAsync("scale", "-n", ns, "deployment", "web", "--current-replicas=2", "--replicas=3")).EnsureSuccess();
        Assert.Equal("3", await JsonPathAsync(ns, "deployment/web", "{.spec.replicas}"));
    }

    [Fact]
    public async Task PatchStatus_Subresource_StatusOnlyThere()
    {
        var ns = await NamespaceWithWebAppAsync();

        // The Deployment controller owns this status and rewrites it at once, so the patch's own answer is what is checked.
        var status = (await Kubectl.RunAsync(
            "patch", "-n", ns, "deployment", "web", "--subresource=status", "--type=merge",
            "-p", """{"status":{"replicas":2,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":2}}""",
            "-o", "jsonpath={.status.readyReplicas}/{.status.replicas} {.status.updatedReplicas} {.status.availableReplicas}")).EnsureSuccess();
        Assert.Equal("1/2 2 1", status.Stdout);
        Assert.Equal("1", await JsonPathAsync(ns, "deployment/web", "{.metadata.generation}"));

        // Through the main resource, status is ignored.
        // kubectl says "(no change)" only if nothing moved between its read and its patch, and the controller may rewrite
        // status in between; what must hold is that the patch's status never lands.
        var main = (await Kubectl.RunAsync("patch", "-n", ns, "deployment", "web", "--type=merge", "-p", """{"status":{"replicas":99}}""")).EnsureSuccess();
        Assert.StartsWith("deployment.apps/web patched", Assert.Single(main.Lines));
        Assert.NotEqual("99", await JsonPathAsync(ns, "deployment/web", "{.status.replicas}"));
    }

    [Fact]
    public async Task Delete_WaitThenGone_MissingIsNotFound()
    {
        var ns = await NamespaceWithWebAppAsync();

        var deleted = (await Kubectl.RunAsync("delete", "-n", ns, "configmap", "web-config", "--wait")).EnsureSuccess();
        Assert.Equal(["configmap \"web-config\" deleted"], deleted.Lines);
        var get = await Kubectl.RunAsync("get", "-n", ns, "configmap", "web-config");
        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"web-config\" not found", get.Stderr);

        var missing = await Kubectl.RunAsync("delete", "-n", ns, "configmap", "x");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error from server (NotFound): configmaps \"x\" not found", missing.Stderr.Trim());

        var ignored = await Kubectl.RunAsync("delete", "-n", ns, "configmap", "x", "--ignore-not-found");
        Assert.Equal(0, ignored.ExitCode);

        var byLabel = (await Kubectl.RunAsync("delete", "-n", ns, "deployments,services,secrets", "-l", "app=web")).EnsureSuccess();
        Assert.Equal(["deployment.apps \"web\" deleted", "secret \"web-secret\" deleted", "service \"web\" deleted"], byLabel.Lines.Order());
        Assert.Equal("", (await Kubectl.RunAsync("get", "-n", ns, "deployments,services,secrets", "-o", "name")).EnsureSuccess().Stdout.Trim());
    }

    [Fact]
    public async Task CreateFile_Existing_AlreadyExists()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = await Kubectl.RunAsync("create", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("web-config")));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error from server (AlreadyExists): error when creating", result.Stderr);
        Assert.Contains("configmaps \"web-config\" already exists", result.Stderr);
    }

    [Fact]
    public async Task SetImage_OneContainer_OtherKept()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("set", "image", "-n", ns, "deployment/web", "web=nginx:2.0")).EnsureSuccess();

        Assert.Equal(["deployment.apps/web image updated"], result.Lines);
        Assert.Equal("nginx:2.0 busybox:1.36", await JsonPathAsync(ns, "deployment/web", "{.spec.template.spec.containers[*].image}"));
    }

    [Fact]
    public async Task Expose_Deployment_ServiceWithSelectorAndPort()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("expose", "-n", ns, "deployment", "web", "--name=web-exposed", "--port=81", "--target-port=8081")).EnsureSuccess();

        Assert.Equal(["service/web-exposed exposed"], result.Lines);
        Assert.Equal("81 8081 web", await JsonPathAsync(ns, "service/web-exposed", "{.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}"));
    }

    [Fact]
    public async Task Replace_File_ObjectReplaced()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("replace", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("web-config", key: "colour", value: "red")))).EnsureSuccess();

        Assert.Equal(["configmap/web-config replaced"], result.Lines);
        Assert.Equal("{\"colour\":\"red\"}", await JsonPathAsync(ns, "configmap/web-config", "{.data}"));
    }

    [Fact]
    public async Task Edit_WithEditorScript_Saved()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync(
            ["edit", "-n", ns, "configmap", "web-config"],
            stdin: null,
            timeout: null,
            environment: new Dictionary<string, string> { ["EDITOR"] = "sed -i s/greeting:\\ hello/greeting:\\ edited/" })).EnsureSuccess();

        Assert.Equal(["configmap/web-config edited"], result.Lines);
        Assert.Equal("edited", await JsonPathAsync(ns, "configmap/web-config", "{.data.greeting}"));
    }

    [Fact]
    public async Task CreateFile_GenerateName_UniqueNames()
    {
        var ns = await Server.CreateNamespaceAsync();
        const string manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n";

        var first = (await Kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-")).EnsureSuccess();
        var second = (await Kubectl.RunWithInputAsync(manifest, "create", "-n", ns, "-f", "-")).EnsureSuccess();

        Assert.Matches(@"^configmap/gen-[a-z0-9]{5} created$", Assert.Single(first.Lines));
        Assert.Matches(@"^configmap/gen-[a-z0-9]{5} created$", Assert.Single(second.Lines));
        Assert.NotEqual(first.Lines[0], second.Lines[0]);
        Assert.Equal(2, (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-o", "name")).EnsureSuccess().Lines.Count(l => l.StartsWith("configmap/gen-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RolloutRestart_Deployment_TemplateAnnotated()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("rollout", "restart", "-n", ns, "deployment", "web")).EnsureSuccess();

        Assert.Equal(["deployment.apps/web restarted"], result.Lines);
        var restartedAt = await JsonPathAsync(ns, "deployment/web", "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}");
        Assert.True(DateTimeOffset.TryParse(restartedAt, System.Globalization.CultureInfo.InvariantCulture, out _), restartedAt);
        Assert.Equal("2", await JsonPathAsync(ns, "deployment/web", "{.metadata.generation}"));
    }

    [Fact]
    public async Task DeleteAll_ByLabel_CategoryMembersGone()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("delete", "all", "-n", ns, "-l", "app=web")).EnsureSuccess();

        // The Deployment's ReplicaSet and pods carry app=web too and are in "all" (how many pods exist yet depends on the controllers).
        Assert.Contains("deployment.apps \"web\" deleted", result.Lines);
        Assert.Contains("service \"web\" deleted", result.Lines);
        Assert.All(result.Lines.Where(l => !l.StartsWith("deployment.apps", StringComparison.Ordinal) && !l.StartsWith("service ", StringComparison.Ordinal)),
            l => Assert.Matches("^(replicaset\\.apps|pod) \"web-[a-z0-9-]+\" deleted$", l));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        KubectlResult all;
        do
        {
            all = (await Kubectl.RunAsync("get", "all", "-n", ns)).EnsureSuccess();
        }
        while (!all.Stderr.Contains("No resources found", StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Task.Delay(250).ContinueWith(_ => true));
        Assert.Contains($"No resources found in {ns} namespace.", all.Stderr);
        // ConfigMaps and Secrets are not in the "all" category.
        // kube-root-ca.crt, which every namespace gets (as in Kubernetes), is not the test's.
        Assert.Equal(["configmap/web-config", "secret/web-secret"], (await Kubectl.RunAsync("get", "-n", ns, "configmaps,secrets", "-o", "name")).EnsureSuccess().Lines.Where(l => l != "configmap/kube-root-ca.crt"));
    }

    [Fact]
    public async Task CreateNamespace_Generator_Created()
    {
        var name = "gen-" + Guid.NewGuid().ToString("N")[..8];

        var result = (await Kubectl.RunAsync("create", "namespace", name)).EnsureSuccess();

        Assert.Equal([$"namespace/{name} created"], result.Lines);
        Assert.Equal(name, (await Kubectl.RunAsync("get", "namespace", name, "-o", "jsonpath={.metadata.name}")).EnsureSuccess().Stdout);
    }

    [Fact]
    public async Task CreateConfigMapAndSecret_FromLiteral_ValuesReadable()
    {
        var ns = await Server.CreateNamespaceAsync();

        var cm = (await Kubectl.RunAsync("create", "-n", ns, "configmap", "lit", "--from-literal=colour=blue", "--from-literal=size=10")).EnsureSuccess();
        Assert.Equal(["configmap/lit created"], cm.Lines);
        Assert.Equal("blue 10", await JsonPathAsync(ns, "configmap/lit", "{.data.colour} {.data.size}"));

        var secret = (await Kubectl.RunAsync("create", "-n", ns, "secret", "generic", "sec", "--from-literal=password=hunter2")).EnsureSuccess();
        Assert.Equal(["secret/sec created"], secret.Lines);
        var encoded = await JsonPathAsync(ns, "secret/sec", "{.data.password}");
        Assert.Equal("aHVudGVyMg==", encoded);
        Assert.Equal("hunter2", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
        Assert.Equal("Opaque", await JsonPathAsync(ns, "secret/sec", "{.type}"));
    }

    [Fact]
    public async Task CreateConfigMap_DryRunServer_NothingStored()
    {
        var ns = await Server.CreateNamespaceAsync();

        var result = (await Kubectl.RunAsync("create", "-n", ns, "configmap", "dry", "--from-literal=a=b", "--dry-run=server")).EnsureSuccess();

        Assert.Equal(["configmap/dry created (server dry run)"], result.Lines);
        Assert.Contains("configmaps \"dry\" not found", (await Kubectl.RunAsync("get", "-n", ns, "configmap", "dry")).Stderr);
    }
}
