using System.Text.Json.Nodes;
using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Config;

/// <summary>ConfigMaps and Secrets reaching a running pod (env, files, updates, subPath) on `capstan server` with its agent, driven by kubectl.</summary>
[Trait("Category", "Slow")]
public sealed class ConfigInPodsTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    // The default bound on a mounted ConfigMap update (--config-volume-sync-period), plus time to start.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(75);
    private readonly Kubectl _kubectl = cluster.Kubectl;

    [Fact]
    public async Task Pod_EnvAndFilesFromConfigMapAndSecret_UpdatesReachFilesButNotSubPath()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var root = $"/tmp/capstan-e2e-{ns}";
        (await _kubectl.RunAsync("create", "configmap", "app", "-n", ns, "--from-literal=greeting=hello", "--from-literal=conf=v1")).EnsureSuccess();
        (await _kubectl.RunAsync("create", "secret", "generic", "creds", "-n", ns, "--from-literal=password=pw1")).EnsureSuccess();
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: reader
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: capstan/shell
                command: ["/bin/sh", "-c", "sleep 3600"]
                env:
                - name: GREETING
                  valueFrom: {configMapKeyRef: {name: app, key: greeting}}
                - name: PASSWORD
                  valueFrom: {secretKeyRef: {name: creds, key: password}}
                - name: ABSENT
                  valueFrom: {configMapKeyRef: {name: app, key: nope, optional: true}}
                envFrom:
                - prefix: CFG_
                  configMapRef: {name: app}
                volumeMounts:
                - {name: config, mountPath: {{{root}}}/config}
                - {name: secret, mountPath: {{{root}}}/secret}
                - {name: config, mountPath: {{{root}}}/pinned.conf, subPath: conf}
              volumes:
              - name: config
                configMap: {name: app}
              - name: secret
                secret: {secretName: creds, defaultMode: 0400}
            """;
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();
        (await _kubectl.RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/reader", "--timeout=60s"], null, Bound)).EnsureSuccess();

        var env = await ExecAsync(ns, "echo \"$GREETING|$PASSWORD|$CFG_greeting|$CFG_conf|${ABSENT-unset}\"");
        Assert.Equal("hello|pw1|hello|v1|unset", env);
        Assert.Equal("v1", await ExecAsync(ns, $"cat {root}/config/conf"));
        Assert.Equal("pw1", await ExecAsync(ns, $"cat {root}/secret/password"));
        Assert.Equal("v1", await ExecAsync(ns, $"cat {root}/pinned.conf"));
        Assert.Equal("..data/password", await ExecAsync(ns, $"readlink {root}/secret/password"));

        (await _kubectl.RunAsync("patch", "configmap", "app", "-n", ns, "--type=merge", "-p", "{\"data\":{\"conf\":\"v2\"}}")).EnsureSuccess();
        (await _kubectl.RunAsync("patch", "secret", "creds", "-n", ns, "--type=merge", "-p", "{\"stringData\":{\"password\":\"pw2\"}}")).EnsureSuccess();

        await WorkloadCluster.WaitAsync(async () => await ExecAsync(ns, $"cat {root}/config/conf") == "v2", Bound, "the ConfigMap update to reach the mounted file");
        await WorkloadCluster.WaitAsync(async () => await ExecAsync(ns, $"cat {root}/secret/password") == "pw2", Bound, "the Secret update to reach the mounted file");

        // subPath mounts and env keep what the container started with, as in Kubernetes.
        Assert.Equal("v1", await ExecAsync(ns, $"cat {root}/pinned.conf"));
        Assert.Equal("hello|pw1|hello|v1|unset", await ExecAsync(ns, "echo \"$GREETING|$PASSWORD|$CFG_greeting|$CFG_conf|${ABSENT-unset}\""));
        (await _kubectl.RunAsync("delete", "pod", "reader", "-n", ns, "--wait=false")).EnsureSuccess();

        // The runtime made the mount points on the host (no image root filesystem): remove them.
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Pod_RequiredKeyMissing_CreateContainerConfigErrorUntilTheKeyExists()
    {
        var ns = await cluster.CreateNamespaceAsync();
        (await _kubectl.RunAsync("create", "configmap", "partial", "-n", ns, "--from-literal=present=yes")).EnsureSuccess();
        var manifest = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: blocked
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: capstan/shell
                command: ["/bin/sh", "-c", "sleep 3600"]
                env:
                - name: NEEDED
                  valueFrom: {configMapKeyRef: {name: partial, key: needed}}
            """;
        (await _kubectl.RunAsync("apply", "-n", ns, "-f", cluster.ManifestFile(manifest))).EnsureSuccess();

        await WorkloadCluster.WaitAsync(async () =>
        {
            var pod = await PodAsync(ns, "blocked");
            var waiting = pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"];
            return waiting?["reason"]?.GetValue<string>() == "CreateContainerConfigError"
                && waiting["message"]?.GetValue<string>() == $"couldn't find key needed in ConfigMap {ns}/partial";
        }, Bound, "the CreateContainerConfigError waiting reason");
        var events = (await _kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=blocked", "-o", "json")).EnsureSuccess();
        Assert.Contains(JsonNode.Parse(events.Stdout)!["items"]!.AsArray(), e =>
            e!["reason"]!.GetValue<string>() == "Failed" && e["message"]!.GetValue<string>() == $"Error: couldn't find key needed in ConfigMap {ns}/partial");

        (await _kubectl.RunAsync("patch", "configmap", "partial", "-n", ns, "--type=merge", "-p", "{\"data\":{\"needed\":\"now\"}}")).EnsureSuccess();
        (await _kubectl.RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/blocked", "--timeout=60s"], null, Bound)).EnsureSuccess();
        (await _kubectl.RunAsync("delete", "pod", "blocked", "-n", ns, "--wait=false")).EnsureSuccess();
    }

    private async Task<string> ExecAsync(string ns, string script)
    {
        var result = (await _kubectl.RunAsync("exec", "-n", ns, "reader", "--", "/bin/sh", "-c", script)).EnsureSuccess();
        return result.Stdout.TrimEnd('\n');
    }

    private async Task<JsonNode> PodAsync(string ns, string name) =>
        JsonNode.Parse((await _kubectl.RunAsync("get", "pod", name, "-n", ns, "-o", "json")).EnsureSuccess().Stdout)!;
}
