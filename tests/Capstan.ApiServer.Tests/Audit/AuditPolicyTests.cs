using System.Text.Json.Nodes;
using Capstan.ApiServer.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.ApiServer.Tests.Audit;

public sealed class AuditPolicyTests
{
    private const string Policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
        - level: None
          users: ["system:kube-proxy"]
        - level: None
          nonResourceURLs: ["/healthz*", "/readyz"]
        - level: Metadata
          resources:
          - group: ""
            resources: ["secrets", "configmaps"]
        - level: RequestResponse
          verbs: ["create", "update", "patch"]
          resources:
          - group: "apps"
            resources: ["deployments", "*/scale"]
          namespaces: ["prod"]
        - level: Request
          userGroups: ["developers"]
          resources:
          - group: ""
            resources: ["pods/*"]
            resourceNames: ["web"]
        - level: Metadata
          namespaces: [""]
        """;

    private static AuditEvent Event(string verb, string group, string resource, string subresource = "", string ns = "", string name = "", string user = "jane", string[]? groups = null, string uri = "/apis") =>
        new(Guid.NewGuid().ToString(), uri, verb, user, "", groups ?? ["system:authenticated"], "127.0.0.1", "test", resource.Length > 0, group, "v1",
            resource, subresource, ns, name, 200, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("get", "", "secrets", "", "team", "", "jane", AuditLevel.Metadata)]
    [InlineData("get", "", "secrets", "", "team", "", "system:kube-proxy", AuditLevel.None)]
    [InlineData("create", "apps", "deployments", "", "prod", "web", "jane", AuditLevel.RequestResponse)]
    [InlineData("update", "apps", "statefulsets", "scale", "prod", "db", "jane", AuditLevel.RequestResponse)]
    [InlineData("get", "apps", "deployments", "", "prod", "web", "jane", AuditLevel.None)]
    [InlineData("create", "apps", "deployments", "", "dev", "web", "jane", AuditLevel.None)]
    [InlineData("get", "", "nodes", "", "", "n1", "jane", AuditLevel.Metadata)]
    public void LevelFor_ResourceRequests_FirstMatchingRule(string verb, string group, string resource, string subresource, string ns, string name, string user, AuditLevel expected)
    {
        var policy = AuditPolicy.Parse(Policy);

        Assert.Equal(expected, policy.LevelFor(Event(verb, group, resource, subresource, ns, name, user)));
    }

    [Fact]
    public void LevelFor_SubresourceWildcardGroupAndName()
    {
        var policy = AuditPolicy.Parse(Policy);

        Assert.Equal(AuditLevel.Request, policy.LevelFor(Event("get", "", "pods", "log", "team", "web", groups: ["developers"])));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Event("get", "", "pods", "", "team", "web", groups: ["developers"])));
        Assert.Equal(AuditLevel.None, policy.LevelFor(Event("get", "", "pods", "log", "team", "api", groups: ["developers"])));
    }

    [Theory]
    [InlineData("/healthz/etcd", AuditLevel.None)]
    [InlineData("/readyz?verbose", AuditLevel.None)]
    [InlineData("/version", AuditLevel.Metadata)]
    [InlineData("/openapi/v2", AuditLevel.None)]
    public void LevelFor_NonResourceRequests(string uri, AuditLevel expected)
    {
        var policy = AuditPolicy.Parse(Policy + "\n- level: Metadata\n  nonResourceURLs: [\"/version\"]\n");

        Assert.Equal(expected, policy.LevelFor(Event("get", "", "", uri: uri)));
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Policy\nrules: [{level: None}]", "audit.k8s.io/v1")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []", "at least one rule")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]", "rules[0].level")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, nonResourceURLs: [/x], namespaces: [a]}]", "nonResourceURLs")]
    public void Parse_InvalidPolicy_SaysWhy(string yaml, string expected)
    {
        var error = Assert.Throws<FormatException>(() => AuditPolicy.Parse(yaml));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditLog_WithPolicy_SkipsNoneAndRecordsTheLevel()
    {
        var dir = Path.Combine(Path.GetTempPath(), "capstan-audit-policy-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(dir, "audit.log");
        try
        {
            var log = new AuditLog(path, 0, NullLogger.Instance, AuditPolicy.Parse(Policy));
            log.Record(Event("get", "", "secrets", "", "team", "s"));
            log.Record(Event("get", "", "secrets", "", "team", "s", user: "system:kube-proxy"));
            log.Record(Event("create", "apps", "deployments", "", "prod", "web"));
            await log.DisposeAsync();

            var lines = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.Equal(["Metadata", "RequestResponse"], lines.Select(l => l["level"]!.GetValue<string>()));
            Assert.All(lines, l => Assert.Equal("jane", l["user"]!["username"]!.GetValue<string>()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
