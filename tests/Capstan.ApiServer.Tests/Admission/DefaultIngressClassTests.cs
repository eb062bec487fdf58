using Capstan.ApiServer.Tests.Integration;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Admission;

public sealed class DefaultIngressClassTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client => fixture.Client;

    [Fact]
    public async Task Create_NoClassNamed_GetsTheNewestDefaultClass_NamedOrAnnotatedOnesAreKept()
    {
        await Client.CreateIngressClassAsync(Class("not-default", isDefault: false));
        await Client.CreateIngressClassAsync(Class("the-default", isDefault: true));

        var plain = await Client.CreateNamespacedIngressAsync(Ingress("plain"), "default");
        var named = Ingress("named");
        named.Spec.IngressClassName = "not-default";
        named = await Client.CreateNamespacedIngressAsync(named, "default");
        var annotated = Ingress("annotated");
        annotated.Metadata.Annotations = new Dictionary<string, string> { ["kubernetes.io/ingress.class"] = "legacy" };
        annotated = await Client.CreateNamespacedIngressAsync(annotated, "default");

        Assert.Equal("the-default", plain.Spec.IngressClassName);
        Assert.Equal("not-default", named.Spec.IngressClassName);
        Assert.Null(annotated.Spec.IngressClassName);
    }

    private static V1IngressClass Class(string name, bool isDefault) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Annotations = isDefault ? new Dictionary<string, string> { ["ingressclass.kubernetes.io/is-default-class"] = "true" } : null,
        },
        Spec = new V1IngressClassSpec { Controller = "example.com/" + name },
    };

    private static V1Ingress Ingress(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1IngressSpec
        {
            DefaultBackend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "web", Port = new V1ServiceBackendPort { Number = 80 } } },
        },
    };
}
