using System.Text;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Encryption;
using Capstan.Server;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Encryption;

[Trait("Category", "Slow")]
public sealed class SecretEncryptionTests
{
    private const string Marker = "plaintext-marker-7c1e9a";

    [Fact]
    public async Task CreateSecret_DefaultServer_RawDatastoreHoldsNoSecretValue()
    {
        var dataDir = NewDataDir();
        try
        {
            await using (var server = await StartAsync(dataDir))
            {
                using var client = server.CreateInProcessClient("test-admin", "system:masters");
                await client.CreateNamespacedSecretAsync(NewSecret("db", Marker), "default");
                await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "plain" }, Data = new Dictionary<string, string> { ["k"] = "configmap-visible-4411" } }, "default");

                var read = await client.ReadNamespacedSecretAsync("db", "default");
                Assert.Equal(Marker, Encoding.UTF8.GetString(read.Data["password"]));
            }

            var raw = RawDatastore(dataDir);
            Assert.DoesNotContain(Marker, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Marker)), raw, StringComparison.Ordinal);
            Assert.Contains("k8s:enc:aesgcm:v1:", raw, StringComparison.Ordinal);

            // ConfigMaps are not in the default list: they stay readable in the store.
            Assert.Contains("configmap-visible-4411", raw, StringComparison.Ordinal);
        }
        finally
        {
            Delete(dataDir);
        }
    }

    [Fact]
    public async Task RotateAndReencrypt_ThroughAdminEndpoint_KeepsEverySecretReadableAcrossRestart()
    {
        var dataDir = NewDataDir();
        try
        {
            string firstKey;
            await using (var server = await StartAsync(dataDir))
            {
                using var client = server.CreateInProcessClient("test-admin", "system:masters");
                for (var i = 0; i < 20; i++)
                {
                    await client.CreateNamespacedSecretAsync(NewSecret($"s{i}", $"{Marker}-{i}"), "default");
                }

                using var https = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
                var status = await CallAsync(https, "GET", "status");
                firstKey = status["activeKey"]!.GetValue<string>();
                Assert.True(KeyObjects(status, firstKey) >= 20);

                var rotated = await CallAsync(https, "POST", "rotate");
                var secondKey = rotated["activeKey"]!.GetValue<string>();
                Assert.NotEqual(firstKey, secondKey);

                // A write after the rotation uses the new key, old objects still read.
                await client.CreateNamespacedSecretAsync(NewSecret("after-rotate", $"{Marker}-new"), "default");
                Assert.Equal($"{Marker}-3", Encoding.UTF8.GetString((await client.ReadNamespacedSecretAsync("s3", "default")).Data["password"]));
                status = await CallAsync(https, "GET", "status");
                Assert.Equal(1, KeyObjects(status, secondKey));

                var reencrypted = await CallAsync(https, "POST", "reencrypt");
                Assert.True(reencrypted["rewritten"]!.GetValue<long>() >= 20);
                Assert.Equal([firstKey], reencrypted["droppedKeys"]!.AsArray().Select(k => k!.GetValue<string>()));
                Assert.Single(reencrypted["keys"]!.AsArray());
                Assert.True(KeyObjects(reencrypted, secondKey) >= 21);

                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal($"{Marker}-{i}", Encoding.UTF8.GetString((await client.ReadNamespacedSecretAsync($"s{i}", "default")).Data["password"]));
                }
            }

            await using (var restarted = await StartAsync(dataDir))
            {
                using var client = restarted.CreateInProcessClient("test-admin", "system:masters");
                var secrets = (await client.ListNamespacedSecretAsync("default")).Items.ToDictionary(s => s.Metadata.Name);
                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal($"{Marker}-{i}", Encoding.UTF8.GetString(secrets[$"s{i}"].Data["password"]));
                }

                Assert.Equal($"{Marker}-new", Encoding.UTF8.GetString(secrets["after-rotate"].Data["password"]));
            }
        }
        finally
        {
            Delete(dataDir);
        }
    }

    [Fact]
    public async Task AdminEndpoint_UserWithoutGrant_IsForbidden()
    {
        var dataDir = NewDataDir();
        try
        {
            await using var server = await StartAsync(dataDir);
            using var client = server.CreateInProcessClient("nobody", "system:authenticated");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(client.BaseUri, SecretsEncryptEndpoint.BasePath + "/rotate"));
            using var response = await client.HttpClient.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        }
        finally
        {
            Delete(dataDir);
        }
    }

    private static long KeyObjects(JsonObject status, string key) =>
        status["keys"]!.AsArray().Single(k => k!["name"]!.GetValue<string>() == key)!["objects"]!.GetValue<long>();

    private static async Task<JsonObject> CallAsync(Kubernetes client, string method, string action)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(client.BaseUri, $"{SecretsEncryptEndpoint.BasePath}/{action}"));
        using var response = await client.HttpClient.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    private static V1Secret NewSecret(string name, string password) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes(password) },
    };

    private static Task<CapstanServer> StartAsync(string dataDir) => CapstanServer.StartAsync(new ServerConfig
    {
        DataDir = dataDir,
        HttpsPort = CapstanServer.FreePort(),
        LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        DisableControllerManager = true,
        DisableScheduler = true,
    }, CancellationToken.None);

    // The SQLite file and its write-ahead log, as bytes read as Latin-1 so every byte maps to one char.
    private static string RawDatastore(string dataDir)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.GetFiles(Path.Combine(dataDir, "db")))
        {
            builder.Append(Encoding.Latin1.GetString(File.ReadAllBytes(file)));
        }

        return builder.ToString();
    }

    private static string NewDataDir() => Path.Combine(Path.GetTempPath(), "capstan-enc-" + Guid.NewGuid().ToString("N")[..10]);

    private static void Delete(string dataDir)
    {
        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
