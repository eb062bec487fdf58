using System.Text.Json.Nodes;
using Capstan.ApiServer.Audit;
using Capstan.Server;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.ApiServer.Tests.Audit;

public sealed class AuditLogTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "capstan-audit-" + Guid.NewGuid().ToString("N")[..12]);
    private CapstanServer _server = null!;

    private string AuditPath => Path.Combine(_dir, "audit", "audit.log");

    public async Task InitializeAsync()
    {
        _server = await CapstanServer.StartAsync(new ServerConfig
        {
            DataDir = _dir,
            HttpsPort = CapstanServer.FreePort(),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            DisableControllerManager = true,
            AuditLogPath = Path.Combine(_dir, "audit", "audit.log"),
        }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The audit lines so far, waiting (bounded) until one satisfies <paramref name="until"/>.</summary>
    private async Task<List<JsonObject>> LinesAsync(Func<JsonObject, bool> until)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (File.Exists(AuditPath))
            {
                string text;
                using (var stream = new FileStream(AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                using (var reader = new StreamReader(stream))
                {
                    text = await reader.ReadToEndAsync();
                }

                var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith('}')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
                if (lines.Any(until))
                {
                    return lines;
                }
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException("audit event never written");
    }

    [Fact]
    public async Task Requests_AreRecordedWithUserVerbObjectAndCode_WithoutSecretValues()
    {
        using var client = _server.CreateInProcessClient("audit-admin", "system:masters", "system:authenticated");
        await client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "audited" }, StringData = new Dictionary<string, string> { ["token"] = "s3cr3t-value-xyz" } },
            "default");
        await client.CoreV1.ReadNamespacedSecretAsync("audited", "default");
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("missing", "default"));

        var lines = await LinesAsync(l => l["objectRef"]?["name"]?.GetValue<string>() == "missing");

        var create = Assert.Single(lines, l => l["verb"]!.GetValue<string>() == "create" && l["objectRef"]?["resource"]?.GetValue<string>() == "secrets");
        Assert.Equal("audit.k8s.io/v1", create["apiVersion"]!.GetValue<string>());
        Assert.Equal("Event", create["kind"]!.GetValue<string>());
        Assert.Equal("Metadata", create["level"]!.GetValue<string>());
        Assert.Equal("ResponseComplete", create["stage"]!.GetValue<string>());
        Assert.Equal("audit-admin", create["user"]!["username"]!.GetValue<string>());
        Assert.Contains("system:masters", create["user"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Equal("default", create["objectRef"]!["namespace"]!.GetValue<string>());
        Assert.Equal("v1", create["objectRef"]!["apiVersion"]!.GetValue<string>());
        Assert.Equal(201, create["responseStatus"]!["code"]!.GetValue<int>());
        Assert.StartsWith("/api/v1/namespaces/default/secrets", create["requestURI"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(create["auditID"]!.GetValue<string>()));
        Assert.NotNull(create["requestReceivedTimestamp"]);
        Assert.NotNull(create["stageTimestamp"]);

        var get = Assert.Single(lines, l => l["verb"]!.GetValue<string>() == "get" && l["objectRef"]?["name"]?.GetValue<string>() == "audited");
        Assert.Equal(200, get["responseStatus"]!["code"]!.GetValue<int>());
        var missing = Assert.Single(lines, l => l["objectRef"]?["name"]?.GetValue<string>() == "missing");
        Assert.Equal(404, missing["responseStatus"]!["code"]!.GetValue<int>());

        var raw = await File.ReadAllTextAsync(AuditPath);
        Assert.DoesNotContain("s3cr3t-value-xyz", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("s3cr3t-value-xyz"u8.ToArray()), raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImpersonatedRequest_RecordsRequesterAndImpersonatedUser()
    {
        using var client = _server.CreateInProcessClient("audit-root", "system:masters", "system:authenticated");
        var headers = new Dictionary<string, IReadOnlyList<string>> { ["Impersonate-User"] = ["audit-someone"] };
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync("audit-ns", customHeaders: headers));

        var lines = await LinesAsync(l => l["objectRef"]?["namespace"]?.GetValue<string>() == "audit-ns");

        var line = Assert.Single(lines, l => l["objectRef"]?["namespace"]?.GetValue<string>() == "audit-ns");
        Assert.Equal("audit-root", line["user"]!["username"]!.GetValue<string>());
        Assert.Equal("audit-someone", line["impersonatedUser"]!["username"]!.GetValue<string>());
        Assert.Equal(403, line["responseStatus"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Record_PastMaxSize_RotatesTheFile()
    {
        var dir = Path.Combine(_dir, "rotation");
        var path = Path.Combine(dir, "audit.log");
        var log = new AuditLog(path, maxSizeBytes: 2048, NullLogger.Instance);
        for (var i = 0; i < 20; i++)
        {
            log.Record(new AuditEvent(Guid.NewGuid().ToString(), "/api/v1/pods", "list", "u", "", ["g"], "127.0.0.1", "test", true, "", "v1", "pods", "", "", "", 200, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        await log.DisposeAsync();

        var files = Directory.GetFiles(dir);
        Assert.True(files.Length > 1);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 2048));
        Assert.Equal(20, files.Sum(f => File.ReadAllLines(f).Length));
    }
}
