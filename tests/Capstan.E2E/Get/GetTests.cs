using System.Text.Json;
using System.Text.RegularExpressions;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Get;

/// <summary>`kubectl get` in its output formats and with selectors, and `get -w`, against objects applied once per test.</summary>
[Trait("Category", "Slow")]
public sealed partial class GetTests(CapstanServerFixture server) : ServerTest(server), IClassFixture<CapstanServerFixture>
{
    private static readonly TimeSpan WatchWait = TimeSpan.FromSeconds(30);

    private async Task<string> NamespaceWithWebAppAsync()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.WebApp(replicas: 2)))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("other", labels: "app: db")))).EnsureSuccess();
        return ns;
    }

    private static string[] Cells(string line) => Whitespace().Split(line.Trim());

    [GeneratedRegex(@"\s{2,}|\t")]
    private static partial Regex Whitespace();

    [Fact]
    public async Task Get_Tables_KubernetesColumns()
    {
        var ns = await NamespaceWithWebAppAsync();

        var deploy = (await Kubectl.RunAsync("get", "-n", ns, "deployments")).EnsureSuccess();
        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], Cells(deploy.Lines[0]));
        var row = Cells(Assert.Single(deploy.Lines.Skip(1)));
        Assert.Equal("web", row[0]);
        Assert.Matches(@"^\d+/2$", row[1]);

        var cm = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "web-config")).EnsureSuccess();
        Assert.Equal(["NAME", "DATA", "AGE"], Cells(cm.Lines[0]));
        Assert.Equal(["web-config", "1"], Cells(cm.Lines[1])[..2]);

        var secret = (await Kubectl.RunAsync("get", "-n", ns, "secrets", "web-secret")).EnsureSuccess();
        Assert.Equal(["NAME", "TYPE", "DATA", "AGE"], Cells(secret.Lines[0]));
        Assert.Equal(["web-secret", "Opaque", "1"], Cells(secret.Lines[1])[..3]);

        var svc = (await Kubectl.RunAsync("get", "-n", ns, "services")).EnsureSuccess();
        Assert.Equal(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], Cells(svc.Lines[0]));
        var svcRow = Cells(svc.Lines[1]);
        Assert.Equal(["web", "ClusterIP"], svcRow[..2]);
        Assert.Equal(["<none>", "80/TCP"], svcRow[3..5]);

        var namespaces = (await Kubectl.RunAsync("get", "namespaces")).EnsureSuccess();
        Assert.Equal(["NAME", "STATUS", "AGE"], Cells(namespaces.Lines[0]));
        Assert.Contains(namespaces.Lines, l => l.StartsWith(ns + " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_Service_HasAllocatedClusterIp()
    {
        var ns = await NamespaceWithWebAppAsync();

        var ip = (await Kubectl.RunAsync("get", "-n", ns, "service", "web", "-o", "jsonpath={.spec.clusterIP}")).EnsureSuccess();

        Assert.Matches(@"^127\.43\.\d+\.\d+$", ip.Stdout);
    }

    [Fact]
    public async Task Get_Namespace_StatusActive()
    {
        var ns = await Server.CreateNamespaceAsync();

        var get = (await Kubectl.RunAsync("get", "namespace", ns)).EnsureSuccess();

        Assert.Equal([ns, "Active"], Cells(get.Lines[1])[..2]);
    }

    [Fact]
    public async Task Get_Wide_AddsContainersImagesSelector()
    {
        var ns = await NamespaceWithWebAppAsync();

        var wide = (await Kubectl.RunAsync("get", "-n", ns, "deployments", "-o", "wide")).EnsureSuccess();

        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], Cells(wide.Lines[0]));
        Assert.Equal(["web,sidecar", "nginx:1.25,busybox:1.36", "app=web"], Cells(wide.Lines[1])[5..]);
    }

    [Fact]
    public async Task Get_YamlAndJson_WholeObject()
    {
        var ns = await NamespaceWithWebAppAsync();

        var yaml = (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "yaml")).EnsureSuccess();
        Assert.Contains("apiVersion: apps/v1", yaml.Lines);
        Assert.Contains("kind: Deployment", yaml.Lines);
        Assert.Contains($"  namespace: {ns}", yaml.Lines);
        Assert.Contains("  replicas: 2", yaml.Lines);
        Assert.Contains(yaml.Lines, l => l.TrimStart(' ', '-') == "image: busybox:1.36");

        var json = (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "json")).EnsureSuccess();
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        Assert.Equal("Deployment", root.GetProperty("kind").GetString());
        Assert.Equal("web", root.GetProperty("metadata").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("metadata").GetProperty("uid").GetString()));
        Assert.False(string.IsNullOrEmpty(root.GetProperty("metadata").GetProperty("resourceVersion").GetString()));
        var containers = root.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers");
        Assert.Equal(["web", "sidecar"], containers.EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        var list = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-o", "json")).EnsureSuccess();
        using var listDoc = JsonDocument.Parse(list.Stdout);
        Assert.Equal("List", listDoc.RootElement.GetProperty("kind").GetString());
        // kube-root-ca.crt, which every namespace gets (as in Kubernetes), is not the test's.
        Assert.Equal(2, listDoc.RootElement.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("metadata").GetProperty("name").GetString() != "kube-root-ca.crt"));
    }

    [Fact]
    public async Task Get_JsonPathAndName()
    {
        var ns = await NamespaceWithWebAppAsync();

        var images = (await Kubectl.RunAsync("get", "-n", ns, "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}")).EnsureSuccess();
        Assert.Equal("nginx:1.25 busybox:1.36", images.Stdout);
        var names = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")).EnsureSuccess();
        Assert.Equal(["other", "web-config"], names.Lines.Where(l => l != "kube-root-ca.crt").Order());

        var byName = (await Kubectl.RunAsync("get", "-n", ns, "configmaps,secrets,deployments,services", "-o", "name")).EnsureSuccess();
        Assert.Equal(
            ["configmap/other", "configmap/web-config", "deployment.apps/web", "secret/web-secret", "service/web"],
            byName.Lines.Where(l => l != "configmap/kube-root-ca.crt").Order());
    }

    [Fact]
    public async Task Get_ShowLabels_LabelsColumn()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--show-labels")).EnsureSuccess();

        Assert.Equal(["NAME", "DATA", "AGE", "LABELS"], Cells(result.Lines[0]));
        Assert.Equal("app=db", Cells(result.Lines.Single(l => l.StartsWith("other ", StringComparison.Ordinal)))[^1]);
        Assert.Equal("app=web", Cells(result.Lines.Single(l => l.StartsWith("web-config ", StringComparison.Ordinal)))[^1]);
    }

    [Fact]
    public async Task Get_LabelAndFieldSelectors_Filter()
    {
        var ns = await NamespaceWithWebAppAsync();

        var web = (await Kubectl.RunAsync("get", "-n", ns, "configmaps,secrets,deployments,services", "-l", "app=web", "-o", "name")).EnsureSuccess();
        Assert.Equal(["configmap/web-config", "deployment.apps/web", "secret/web-secret", "service/web"], web.Lines.Order());

        var notWeb = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-l", "app!=web", "-o", "name")).EnsureSuccess();
        Assert.Equal(["configmap/other"], notWeb.Lines.Where(l => l != "configmap/kube-root-ca.crt"));

        var set = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-l", "app in (db,web)", "-o", "name")).EnsureSuccess();
        Assert.Equal(2, set.Lines.Count);

        var field = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--field-selector", "metadata.name=web-config")).EnsureSuccess();
        Assert.Equal(2, field.Lines.Count);
        Assert.StartsWith("web-config ", field.Lines[1], StringComparison.Ordinal);

        var none = (await Kubectl.RunAsync("get", "-n", ns, "configmaps", "-l", "app=nothing")).EnsureSuccess();
        Assert.Equal("", none.Stdout);
        Assert.Contains($"No resources found in {ns} namespace.", none.Stderr);

        var badField = await Kubectl.RunAsync("get", "-n", ns, "configmaps", "--field-selector", "spec.nothing=x");
        Assert.NotEqual(0, badField.ExitCode);
        Assert.Contains("Error from server (BadRequest)", badField.Stderr);
    }

    [Fact]
    public async Task Get_AllNamespaces_NamespaceColumn()
    {
        var ns = await NamespaceWithWebAppAsync();

        var result = (await Kubectl.RunAsync("get", "configmaps", "-A")).EnsureSuccess();

        Assert.Equal(["NAMESPACE", "NAME", "DATA", "AGE"], Cells(result.Lines[0]));
        Assert.Contains(result.Lines, l => Cells(l)[..3].SequenceEqual([ns, "web-config", "1"]));
        Assert.Contains(result.Lines, l => Cells(l)[..2].SequenceEqual([ns, "other"]));
    }

    [Fact]
    public async Task GetWatch_CreateModifyDelete_NewLinesWithKindColumns()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("before")))).EnsureSuccess();

        await using var watch = Kubectl.StartBackground("get", "-n", ns, "configmaps", "-w");
        await using var events = Kubectl.StartBackground("get", "-n", ns, "configmaps", "-w", "--output-watch-events");
        Assert.True(await watch.WaitForAsync(o => o.Contains("before", StringComparison.Ordinal), WatchWait), watch.Stdout + watch.Stderr);
        Assert.True(await events.WaitForAsync(o => o.Contains("before", StringComparison.Ordinal), WatchWait), events.Stdout + events.Stderr);

        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("watched")))).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "watched", "seen=yes")).EnsureSuccess();
        (await Kubectl.RunAsync("delete", "-n", ns, "configmap", "watched")).EnsureSuccess();

        Assert.True(
            await events.WaitForAsync(o => o.Contains("DELETED", StringComparison.Ordinal), WatchWait),
            events.Stdout + events.Stderr);
        var eventLines = events.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["EVENT", "NAME", "DATA", "AGE"], Cells(eventLines[0]));
        var watchedEvents = eventLines.Select(Cells).Where(c => c.Length > 1 && c[1] == "watched").Select(c => c[0]).ToArray();
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], watchedEvents);

        Assert.True(
            await watch.WaitForAsync(o => o.Split('\n').Count(l => l.StartsWith("watched ", StringComparison.Ordinal)) >= 3, WatchWait),
            watch.Stdout + watch.Stderr);
        var lines = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // One header only: every watch event carries the same columns as the list.
        Assert.Single(lines, l => l.StartsWith("NAME", StringComparison.Ordinal));
        Assert.Equal(["NAME", "DATA", "AGE"], Cells(lines[0]));
        Assert.All(lines.Where(l => l.StartsWith("watched ", StringComparison.Ordinal)), l => Assert.Equal("1", Cells(l)[1]));
    }

    [Fact]
    public async Task GetWatch_SingleObjectAndWatchOnly_OnlyThatObjectAndNewEvents()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("one")))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("two")))).EnsureSuccess();

        await using var single = Kubectl.StartBackground("get", "-n", ns, "configmap", "one", "-w");
        await using var watchOnly = Kubectl.StartBackground("get", "-n", ns, "configmaps", "-w", "--watch-only", "-o", "name");
        Assert.True(await single.WaitForAsync(o => o.Contains("one", StringComparison.Ordinal), WatchWait), single.Stdout + single.Stderr);
        // --watch-only prints nothing for the objects already there; give it a moment to have started watching.
        await Task.Delay(1000);

        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "two", "seen=yes")).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "one", "seen=yes")).EnsureSuccess();

        Assert.True(
            await single.WaitForAsync(o => o.Split('\n').Count(l => l.StartsWith("one ", StringComparison.Ordinal)) >= 2, WatchWait),
            single.Stdout + single.Stderr);
        Assert.DoesNotContain("two", single.Stdout);
        Assert.True(await watchOnly.WaitForAsync(o => o.Contains("configmap/one", StringComparison.Ordinal), WatchWait), watchOnly.Stdout + watchOnly.Stderr);
        Assert.Equal(["configmap/two", "configmap/one"], watchOnly.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task GetWatch_LabelSelectorTransitions_AddedDeletedAndSilence()
    {
        var ns = await Server.CreateNamespaceAsync();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("in", labels: "app: web")))).EnsureSuccess();
        (await Kubectl.RunAsync("apply", "-n", ns, "-f", Server.ManifestFile(Manifests.ConfigMap("out", labels: "app: db")))).EnsureSuccess();

        await using var watch = Kubectl.StartBackground("get", "-n", ns, "configmaps", "-l", "app=web", "-w", "--output-watch-events");
        Assert.True(await watch.WaitForAsync(o => o.Contains("in", StringComparison.Ordinal), WatchWait), watch.Stdout + watch.Stderr);

        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "out", "other=x")).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "in", "app=db", "--overwrite")).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "out", "app=web", "--overwrite")).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "configmap", "out", "more=y")).EnsureSuccess();

        Assert.True(
            await watch.WaitForAsync(o => o.Split('\n').Count(l => l.StartsWith("MODIFIED", StringComparison.Ordinal)) >= 1, WatchWait),
            watch.Stdout + watch.Stderr);
        var events = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => string.Join(' ', Cells(l)[..2]));
        Assert.Equal(["ADDED in", "DELETED in", "ADDED out", "MODIFIED out"], events);
    }
}
