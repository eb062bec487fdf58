using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;
using k8s;
using k8s.Models;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>
/// Updates start from the watch cache's copy when the cache is current; the store's compare-and-swap must still make
/// every read-modify-write see the previous one, and each write see the one just acknowledged.
/// </summary>
public sealed class UpdateFromCacheTests(InProcessServerFixture fixture) : IClassFixture<InProcessServerFixture>
{
    private Kubernetes Admin() => fixture.Server.CreateInProcessClient("test-admin", SystemGroups.Masters);

    [Fact]
    public async Task ConcurrentPatches_EachAppliedToTheLatest_NoneLost()
    {
        using var client = Admin();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "from-cache-1", Finalizers = ["example.com/base"] } }, "default");

        // Each JSON patch appends to a list, which only comes out whole if each one applies to the object the previous left.
        // Six at a time: a patch loses at most five races, within the server's retries.
        for (var wave = 0; wave < 4; wave++)
        {
            await Task.WhenAll(Enumerable.Range(wave * 6, 6).Select(i => client.CoreV1.PatchNamespacedConfigMapAsync(
                new V1Patch($$"""[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/f{{i}}"}]""", V1Patch.PatchType.JsonPatch),
                "from-cache-1", "default")));
        }

        var final = await client.CoreV1.ReadNamespacedConfigMapAsync("from-cache-1", "default");

        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"example.com/f{i}").Append("example.com/base").Order(), final.Metadata.Finalizers.Order());
    }

    [Fact]
    public async Task SequentialUpdates_EachSeesTheLastWrite()
    {
        using var client = Admin();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "from-cache-2" }, Data = new Dictionary<string, string> { ["n"] = "0" } }, "default");
        var last = created;
        for (var i = 1; i <= 20; i++)
        {
            // A patch carrying the resourceVersion just returned: a stale read would fail it with 409.
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = last.Metadata.ResourceVersion },
                ["data"] = new JsonObject { ["n"] = (int.Parse(last.Data["n"], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
            last = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), "from-cache-2", "default");
        }

        Assert.Equal("20", last.Data["n"]);
        Assert.Equal("20", (await client.CoreV1.ReadNamespacedConfigMapAsync("from-cache-2", "default")).Data["n"]);
    }
}
