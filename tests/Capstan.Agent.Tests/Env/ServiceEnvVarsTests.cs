using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Tests.Env;

public sealed class ServiceEnvVarsTests
{
    private static readonly NodeAllocatable Node = new(4000, 8L << 30, 100L << 30);

    private sealed class NoConfig : IConfigSource
    {
        public Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct) => Task.FromResult<IReadOnlyDictionary<string, string>?>(null);

        public Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct) => Task.FromResult<IReadOnlyDictionary<string, string>?>(null);
    }

    private sealed class FakeServices(params V1Service[] services) : IServiceSource
    {
        public Task<IReadOnlyList<V1Service>> ServicesAsync(string ns, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<V1Service>>([.. services.Where(s => s.Metadata.NamespaceProperty == ns || s.Metadata.NamespaceProperty == "default")]);
    }

    private static V1Service Service(string ns, string name, string clusterIp, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { ClusterIP = clusterIp, Ports = ports },
    };

    private static readonly V1Service Master = Service("default", "kubernetes", "10.43.0.1", new V1ServicePort { Name = "https", Port = 443, Protocol = "TCP" });

    private static V1Pod Pod(V1Container container, bool? links = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "client", NamespaceProperty = "shop" },
        Spec = new V1PodSpec { Containers = [container], EnableServiceLinks = links },
    };

    [Fact]
    public void For_ServiceWithPorts_KubeletAndDockerLinkVariables()
    {
        var vars = ServiceEnvVars.For([Service("shop", "my-web", "10.43.0.20",
            new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" },
            new V1ServicePort { Name = "dns-udp", Port = 53, Protocol = "UDP" })]).ToDictionary();

        Assert.Equal(new Dictionary<string, string>
        {
            ["MY_WEB_SERVICE_HOST"] = "10.43.0.20",
            ["MY_WEB_SERVICE_PORT"] = "80",
            ["MY_WEB_SERVICE_PORT_HTTP"] = "80",
            ["MY_WEB_SERVICE_PORT_DNS_UDP"] = "53",
            ["MY_WEB_PORT"] = "tcp://10.43.0.20:80",
            ["MY_WEB_PORT_80_TCP"] = "tcp://10.43.0.20:80",
            ["MY_WEB_PORT_80_TCP_PROTO"] = "tcp",
            ["MY_WEB_PORT_80_TCP_PORT"] = "80",
            ["MY_WEB_PORT_80_TCP_ADDR"] = "10.43.0.20",
            ["MY_WEB_PORT_53_UDP"] = "udp://10.43.0.20:53",
            ["MY_WEB_PORT_53_UDP_PROTO"] = "udp",
            ["MY_WEB_PORT_53_UDP_PORT"] = "53",
            ["MY_WEB_PORT_53_UDP_ADDR"] = "10.43.0.20",
        }, vars);
    }

    [Fact]
    public void For_Ipv6ClusterIp_BracketedInUrls()
    {
        var vars = ServiceEnvVars.For([Service("shop", "v6", "fd00::10", new V1ServicePort { Port = 80 })]).ToDictionary();
        Assert.Equal("tcp://[fd00::10]:80", vars["V6_PORT"]);
    }

    [Fact]
    public void Select_HeadlessExternalNameAndOtherNamespaces_Skipped()
    {
        var picked = ServiceEnvVars.Select("shop", enableServiceLinks: true,
        [
            Master,
            Service("shop", "web", "10.43.0.20", new V1ServicePort { Port = 80 }),
            Service("shop", "headless", "None", new V1ServicePort { Port = 80 }),
            Service("shop", "external", "", []),
            Service("other", "db", "10.43.0.30", new V1ServicePort { Port = 5432 }),
        ]);
        Assert.Equal(["kubernetes", "web"], picked.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void Select_ServiceLinksDisabled_OnlyMaster()
    {
        var picked = ServiceEnvVars.Select("shop", enableServiceLinks: false, [Master, Service("shop", "web", "10.43.0.20", new V1ServicePort { Port = 80 })]);
        Assert.Equal("kubernetes", Assert.Single(picked).Metadata.Name);
    }

    [Fact]
    public void Select_NamespaceHasItsOwnKubernetesService_ItWins()
    {
        var own = Service("shop", "kubernetes", "10.43.0.99", new V1ServicePort { Port = 80 });
        Assert.Equal("10.43.0.99", Assert.Single(ServiceEnvVars.Select("shop", true, [Master, own])).Spec.ClusterIP);
        Assert.Equal("10.43.0.99", Assert.Single(ServiceEnvVars.Select("shop", true, [own, Master])).Spec.ClusterIP);
    }

    [Fact]
    public async Task BuildAsync_Services_AppendedPodEnvWinsAndReferencesExpand()
    {
        var container = new V1Container
        {
            Name = "c",
            Env =
            [
                new V1EnvVar { Name = "WEB_SERVICE_PORT", Value = "mine" },
                new V1EnvVar { Name = "BACKEND", Value = "http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT_HTTP)" },
            ],
        };
        var services = new FakeServices(Master, Service("shop", "web", "10.43.0.20", new V1ServicePort { Name = "http", Port = 80 }));
        var env = await new EnvBuilder(new NoConfig(), Node, services).BuildAsync(Pod(container), container, "10.0.0.5", "10.0.0.1", CancellationToken.None);

        Assert.Equal(["WEB_SERVICE_PORT", "BACKEND"], env.Take(2).Select(e => e.Key));
        var map = env.ToDictionary();
        Assert.Equal("mine", map["WEB_SERVICE_PORT"]);
        Assert.Equal("http://10.43.0.20:80", map["BACKEND"]);
        Assert.Equal("10.43.0.1", map["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", map["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.Equal("tcp://10.43.0.20:80", map["WEB_PORT"]);
        Assert.Single(env, e => e.Key == "WEB_SERVICE_PORT");
    }

    [Fact]
    public async Task BuildAsync_EnableServiceLinksFalse_OnlyMasterServiceVariables()
    {
        var container = new V1Container { Name = "c" };
        var services = new FakeServices(Master, Service("shop", "web", "10.43.0.20", new V1ServicePort { Port = 80 }));
        var env = (await new EnvBuilder(new NoConfig(), Node, services).BuildAsync(Pod(container, links: false), container, null, "h", CancellationToken.None)).ToDictionary();

        Assert.Contains("KUBERNETES_SERVICE_HOST", env.Keys);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("WEB_", StringComparison.Ordinal));
    }
}
