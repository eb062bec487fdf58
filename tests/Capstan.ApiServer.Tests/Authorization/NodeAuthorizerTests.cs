using System.Net;
using Capstan.ApiServer.Security;
using Capstan.ApiServer.Tests.Hosting;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Authorization;

/// <summary>A node identity reaches the Secrets and ConfigMaps of pods bound to it, and nothing else.</summary>
public sealed class NodeAuthorizerTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private Kubernetes Admin() => fixture.Server.CreateInProcessClient(SystemUsers.KubeControllerManager);

    private Kubernetes Node(string name) =>
        fixture.Server.CreateInProcessClient(SystemUsers.NodePrefix + name, SystemGroups.Nodes, SystemGroups.Authenticated);

    private static V1Secret Secret(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        StringData = new Dictionary<string, string> { ["password"] = "hunter2" },
    };

    private static V1Pod Pod(string name, string node, string secret, string configMap) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "busybox",
                    Env = [new V1EnvVar { Name = "P", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = "password" } } }],
                },
            ],
            Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = configMap } }],
        },
    };

    private async Task SetUpAsync(string prefix)
    {
        using var admin = Admin();
        foreach (var node in new[] { "a", "b" })
        {
            await admin.CoreV1.CreateNamespacedSecretAsync(Secret($"{prefix}-{node}-secret"), "default");
            await admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"{prefix}-{node}-cm" } }, "default");
            await admin.CoreV1.CreateNamespacedPodAsync(Pod($"{prefix}-{node}-pod", $"{prefix}-node-{node}", $"{prefix}-{node}-secret", $"{prefix}-{node}-cm"), "default");
        }
    }

    [Fact]
    public async Task GetSecret_OfOwnPod_IsAllowed()
    {
        await SetUpAsync("own");
        using var node = Node("own-node-a");

        var secret = await node.CoreV1.ReadNamespacedSecretAsync("own-a-secret", "default");
        var configMap = await node.CoreV1.ReadNamespacedConfigMapAsync("own-a-cm", "default");

        Assert.Equal("hunter2", System.Text.Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Equal("own-a-cm", configMap.Metadata.Name);
    }

    [Fact]
    public async Task GetSecret_OfAnotherNodesPod_IsForbidden()
    {
        await SetUpAsync("other");
        using var node = Node("other-node-a");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ReadNamespacedSecretAsync("other-b-secret", "default"));
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        Assert.Contains("no relationship found between node 'other-node-a' and this object", ex.Response.Content, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"Status\"", ex.Response.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Response.Content, StringComparison.Ordinal);

        var cm = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ReadNamespacedConfigMapAsync("other-b-cm", "default"));
        Assert.Equal(HttpStatusCode.Forbidden, cm.Response.StatusCode);
    }

    [Fact]
    public async Task ListSecrets_AsNode_IsForbidden()
    {
        using var node = Node("lister");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ListNamespacedSecretAsync("default"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
    }

    [Fact]
    public async Task GetSecret_OncePodIsBound_IsAllowed()
    {
        using var admin = Admin();
        using var node = Node("bind-node");
        await admin.CoreV1.CreateNamespacedSecretAsync(Secret("bind-secret"), "default");
        await admin.CoreV1.CreateNamespacedPodAsync(Pod("bind-pod", node: null!, "bind-secret", "bind-cm"), "default");
        var before = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ReadNamespacedSecretAsync("bind-secret", "default"));
        Assert.Equal(HttpStatusCode.Forbidden, before.Response.StatusCode);

        await admin.CoreV1.CreateNamespacedPodBindingAsync(
            new V1Binding { Metadata = new V1ObjectMeta { Name = "bind-pod" }, Target = new V1ObjectReference { Kind = "Node", Name = "bind-node" } },
            "bind-pod",
            "default");

        Assert.Equal("bind-secret", (await node.CoreV1.ReadNamespacedSecretAsync("bind-secret", "default")).Metadata.Name);
    }

    [Fact]
    public async Task PatchNode_Another_IsForbiddenButOwnIsAllowed()
    {
        using var admin = Admin();
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "patch-a" } });
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "patch-b" } });
        using var node = Node("patch-a");
        var patch = new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", V1Patch.PatchType.MergePatch);

        await node.CoreV1.PatchNodeAsync(patch, "patch-a");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.PatchNodeAsync(patch, "patch-b"));

        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
    }

    [Fact]
    public async Task SubjectAccessReview_ForANode_AsksTheNodeAuthorizer()
    {
        await SetUpAsync("sar");
        using var admin = Admin();

        async Task<bool> CanGetAsync(string secret)
        {
            var review = await admin.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = "system:node:sar-node-a",
                    Groups = ["system:nodes", "system:authenticated"],
                    ResourceAttributes = new V1ResourceAttributes { Verb = "get", Resource = "secrets", NamespaceProperty = "default", Name = secret },
                },
            });
            return review.Status.Allowed;
        }

        Assert.True(await CanGetAsync("sar-a-secret"));
        Assert.False(await CanGetAsync("sar-b-secret"));
    }

    [Fact]
    public async Task ListConfigMap_NarrowedByNameToOwnPods_IsAllowedAndOtherwiseForbidden()
    {
        await SetUpAsync("narrow");
        using var node = Node("narrow-node-a");

        // How an agent follows a mounted ConfigMap: a list/watch narrowed to the one object by its name.
        var own = await node.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=narrow-a-cm");
        Assert.Equal("narrow-a-cm", Assert.Single(own.Items).Metadata.Name);

        var other = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=narrow-b-cm"));
        Assert.Equal(HttpStatusCode.Forbidden, other.Response.StatusCode);
        var all = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ListNamespacedConfigMapAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, all.Response.StatusCode);
    }

    [Fact]
    public async Task DeletePod_AlreadyGone_IsNotFoundNotForbidden()
    {
        using var node = Node("gone-node-a");

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.DeleteNamespacedPodAsync("never-existed", "default"));

        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
    }
}
