using System.Text;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Tests.Client;

public sealed class WatchLineReaderTests
{
    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class TricklingStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    private static async Task<List<string>> ReadAllAsync(string text, int chunk)
    {
        using var reader = new WatchLineReader(new TricklingStream(Encoding.UTF8.GetBytes(text), chunk));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None))
        {
            lines.Add(Encoding.UTF8.GetString(reader.Line));
        }

        return lines;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task ReadLineAsync_AnyChunking_SameLines(int chunk)
    {
        var lines = await ReadAllAsync("{\"a\":1}\n\n{\"b\":\"é\"}\r\n{\"c\":3}", chunk);

        Assert.Equal(["{\"a\":1}", "", "{\"b\":\"é\"}\r", "{\"c\":3}"], lines);
    }

    [Fact]
    public async Task ReadLineAsync_LinesLongerThanTheBuffer_Whole()
    {
        var big = "{\"x\":\"" + new string('y', 100_000) + "\"}";
        var lines = await ReadAllAsync(big + "\n" + big + "\n{}\n", 4096);

        Assert.Equal([big, big, "{}"], lines);
    }

    [Fact]
    public async Task ReadLineAsync_Empty_NoLines()
    {
        Assert.Empty(await ReadAllAsync("", 10));
    }

    [Fact]
    public void Decode_EventLine_KindAndObject()
    {
        var resource = new ApiResource("", "v1", "pods", "Pod", true, ["watch"]);
        var ev = DynamicClient.Decode("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"5\"}}}\r"u8, resource, metadataOnly: false);

        Assert.Equal(WatchEventKind.Modified, ev!.Value.Kind);
        Assert.Equal("5", ev.Value.Object.GetResourceVersion());
        Assert.Null(DynamicClient.Decode(" \r"u8, resource, metadataOnly: false));
        Assert.Null(DynamicClient.Decode("{\"type\":\"ADDED\"}"u8, resource, metadataOnly: false));
    }

    [Fact]
    public void Decode_MetadataOnly_RealKindAndNoManagedFields()
    {
        var resource = new ApiResource("apps", "v1", "deployments", "Deployment", true, ["watch"]);
        var ev = DynamicClient.Decode(
            "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"PartialObjectMetadata\",\"metadata\":{\"name\":\"d\",\"managedFields\":[{}]}}}"u8,
            resource, metadataOnly: true);

        Assert.Equal(("apps/v1", "Deployment"), (ev!.Value.Object["apiVersion"]!.GetValue<string>(), ev.Value.Object["kind"]!.GetValue<string>()));
        Assert.Null(ev.Value.Object["metadata"]!["managedFields"]);
    }
}
