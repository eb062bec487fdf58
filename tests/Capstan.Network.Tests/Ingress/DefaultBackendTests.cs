using System.Net;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Ingress;

/// <summary>The default backend catches every request of every host, so it gets a server of its own.</summary>
[Trait("Category", "Slow")]
public sealed class DefaultBackendTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Ingress_DefaultBackend_TakesRequestsThatMatchNoRule()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "fallback", [await ingress.BackendAsync("fallback")]);
        await ingress.ServiceAsync(ns, "app", [await ingress.BackendAsync("app")]);
        await ingress.Client.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "default" },
            Spec = new V1IngressSpec
            {
                DefaultBackend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "fallback", Port = new V1ServiceBackendPort { Name = "http" } } },
                Rules = [IngressHarness.Rule("app.test", IngressHarness.Path("/app", "Prefix", "app"))],
            },
        }, ns);

        await ingress.WaitForAsync("app.test", "/app", "app");
        await ingress.WaitForAsync("app.test", "/elsewhere", "fallback");
        await ingress.WaitForAsync("any.test", "/", "fallback");
        Assert.Equal(HttpStatusCode.OK, (await ingress.GetAsync("127.0.0.1", "/x")).Status);
    }
}
