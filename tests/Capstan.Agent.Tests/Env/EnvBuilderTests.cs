using Capstan.Agent.Env;
using k8s.Models;

namespace Capstan.Agent.Tests.Env;

public sealed class EnvBuilderTests
{
    private static readonly NodeAllocatable Node = new(4000, 8L << 30, 100L << 30);

    private sealed class FakeConfig : IConfigSource
    {
        public Dictionary<string, Dictionary<string, string>> ConfigMaps { get; } = new();

        public Dictionary<string, Dictionary<string, string>> Secrets { get; } = new();

        public Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string ns, string name, CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, string>?>(ConfigMaps.GetValueOrDefault(name));

        public Task<IReadOnlyDictionary<string, string>?> SecretAsync(string ns, string name, CancellationToken ct) =>
            Task.FromResult<IReadOnlyDictionary<string, string>?>(Secrets.GetValueOrDefault(name));
    }

    private static V1Pod Pod(V1Container container) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "shop",
            Uid = "u-1",
            Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            Annotations = new Dictionary<string, string> { ["note"] = "hi" },
        },
        Spec = new V1PodSpec { NodeName = "n1", ServiceAccountName = "sa", Containers = [container] },
    };

    private static V1EnvVar Field(string name, string path) => new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    [Fact]
    public async Task BuildAsync_DownwardApiFields_Resolved()
    {
        var container = new V1Container
        {
            Name = "c",
            Env =
            [
                Field("NAME", "metadata.name"), Field("NS", "metadata.namespace"), Field("UID", "metadata.uid"),
                Field("APP", "metadata.labels['app']"), Field("NOTE", "metadata.annotations['note']"),
                Field("NODE", "spec.nodeName"), Field("SA", "spec.serviceAccountName"),
                Field("HOST_IP", "status.hostIP"), Field("POD_IP", "status.podIP"), Field("POD_IPS", "status.podIPs"),
                Field("LABELS", "metadata.labels"),
            ],
        };
        var env = await new EnvBuilder(new FakeConfig(), Node).BuildAsync(Pod(container), container, "10.0.0.5", "192.168.1.2", CancellationToken.None);
        var map = env.ToDictionary();
        Assert.Equal("web", map["NAME"]);
        Assert.Equal("shop", map["NS"]);
        Assert.Equal("u-1", map["UID"]);
        Assert.Equal("web", map["APP"]);
        Assert.Equal("hi", map["NOTE"]);
        Assert.Equal("n1", map["NODE"]);
        Assert.Equal("sa", map["SA"]);
        Assert.Equal("192.168.1.2", map["HOST_IP"]);
        Assert.Equal("10.0.0.5", map["POD_IP"]);
        Assert.Equal("10.0.0.5", map["POD_IPS"]);
        Assert.Equal("app=\"web\"\ntier=\"front\"", map["LABELS"]);
    }

    [Fact]
    public async Task BuildAsync_EnvFromThenEnv_WithExpansionAndOverride()
    {
        var config = new FakeConfig();
        config.ConfigMaps["cm"] = new() { ["HOST"] = "db", ["PORT"] = "5432", ["1BAD"] = "skipped" };
        config.Secrets["s"] = new() { ["PASSWORD"] = "pw" };
        var container = new V1Container
        {
            Name = "c",
            EnvFrom =
            [
                new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cm" } },
                new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "s" }, Prefix = "DB_" },
                new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "missing", Optional = true } },
            ],
            Env =
            [
                new V1EnvVar { Name = "URL", Value = "postgres://$(HOST):$(PORT)/$(NOPE)" },
                new V1EnvVar { Name = "PORT", Value = "6543" },
                new V1EnvVar { Name = "ESCAPED", Value = "$$(HOST)" },
                new V1EnvVar { Name = "KEY", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "s", Key = "PASSWORD" } } },
                new V1EnvVar { Name = "OPT", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cm", Key = "absent", Optional = true } } },
            ],
        };
        var env = await new EnvBuilder(config, Node).BuildAsync(Pod(container), container, "10.0.0.5", "1.2.3.4", CancellationToken.None);
        Assert.Equal(["HOST", "PORT", "DB_PASSWORD", "URL", "ESCAPED", "KEY"], env.Select(p => p.Key));
        var map = env.ToDictionary();
        Assert.Equal("postgres://db:5432/$(NOPE)", map["URL"]);
        Assert.Equal("6543", map["PORT"]);
        Assert.Equal("$(HOST)", map["ESCAPED"]);
        Assert.Equal("pw", map["KEY"]);
        Assert.Equal("pw", map["DB_PASSWORD"]);
    }

    [Theory]
    [InlineData("configmap", "nope", null, "configmap \"nope\" not found")]
    [InlineData("configmap", "cm", "absent", "couldn't find key absent in ConfigMap shop/cm")]
    [InlineData("secret", "nope", null, "secret \"nope\" not found")]
    [InlineData("secret", "s", "absent", "couldn't find key absent in Secret shop/s")]
    public async Task BuildAsync_MissingReference_ThrowsWithKubeletMessage(string kind, string name, string? key, string message)
    {
        var config = new FakeConfig();
        config.ConfigMaps["cm"] = new() { ["k"] = "v" };
        config.Secrets["s"] = new() { ["k"] = "v" };
        var source = kind == "configmap"
            ? new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = name, Key = key ?? "k" } }
            : new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = name, Key = key ?? "k" } };
        var container = new V1Container { Name = "c", Env = [new V1EnvVar { Name = "X", ValueFrom = source }] };
        var ex = await Assert.ThrowsAsync<EnvConfigException>(() => new EnvBuilder(config, Node).BuildAsync(Pod(container), container, null, "h", CancellationToken.None));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("limits.cpu", null, "500m", "1")]
    [InlineData("limits.cpu", "1m", "500m", "500")]
    [InlineData("limits.cpu", "1", null, "4")]
    [InlineData("requests.cpu", "1m", null, "250")]
    [InlineData("limits.memory", "1Mi", "64Mi", "64")]
    [InlineData("limits.memory", null, null, "8589934592")]
    [InlineData("requests.memory", "1", null, "33554432")]
    public void ResourceValue_DivisorAndDefaults(string resource, string? divisor, string? cpuOrMemoryLimit, string expected)
    {
        var limits = new Dictionary<string, ResourceQuantity>();
        if (cpuOrMemoryLimit is not null)
        {
            limits[resource.EndsWith("cpu", StringComparison.Ordinal) ? "cpu" : "memory"] = new ResourceQuantity(cpuOrMemoryLimit);
        }

        var container = new V1Container
        {
            Name = "c",
            Resources = new V1ResourceRequirements
            {
                Limits = limits,
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("32Mi") },
            },
        };
        var value = new EnvBuilder(new FakeConfig(), Node).ResourceValue(container, resource, divisor is null ? null : new ResourceQuantity(divisor));
        Assert.Equal(expected, value);
    }
}
