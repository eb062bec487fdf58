using System.Text.Json.Nodes;
using Capstan.Api.Tables;

namespace Capstan.Api.Tests.Tables;

public sealed class TableBuilderTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject ConfigMap(string name) => (JsonObject)JsonNode.Parse(
        """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","namespace":"default","uid":"u-NAME","resourceVersion":"7","creationTimestamp":"2025-01-10T11:59:00Z"},"data":{"k":"v"}}"""
            .Replace("NAME", name, StringComparison.Ordinal))!;

    [Fact]
    public void Build_Metadata_PartialObjectMetadataRows()
    {
        var table = TableBuilder.Build(TableConverters.For("", "ConfigMap"), [ConfigMap("a"), ConfigMap("b")], "Metadata", "42", "next", 5, Now);

        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal("""{"resourceVersion":"42","continue":"next","remainingItemCount":5}""", table["metadata"]!.ToJsonString());

        var columns = table["columnDefinitions"]!.AsArray();
        Assert.Equal(3, columns.Count);
        Assert.Equal("Name", (string?)columns[0]!["name"]);
        Assert.Equal("name", (string?)columns[0]!["format"]);
        Assert.Equal("", (string?)columns[1]!["format"]);
        Assert.Equal(0, (int)columns[2]!["priority"]!);
        Assert.StartsWith("CreationTimestamp is a timestamp", (string?)columns[2]!["description"]);

        var rows = table["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.Equal("""["a",1,"60s"]""", rows[0]!["cells"]!.ToJsonString());
        var partial = rows[1]!["object"]!;
        Assert.Equal("PartialObjectMetadata", (string?)partial["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)partial["apiVersion"]);
        Assert.Equal("u-b", (string?)partial["metadata"]!["uid"]);
        Assert.Null(partial["data"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Build_DefaultInclude_IsMetadata(string? include)
    {
        var table = TableBuilder.Build(TableConverters.For("", "ConfigMap"), [ConfigMap("a")], include, null, null, null, Now);
        Assert.Equal("PartialObjectMetadata", (string?)table["rows"]![0]!["object"]!["kind"]);
        Assert.Equal("{}", table["metadata"]!.ToJsonString());
    }

    [Fact]
    public void Build_Object_FullObjectCopied()
    {
        var source = ConfigMap("a");
        var table = TableBuilder.Build(TableConverters.For("", "ConfigMap"), [source], "Object", "1", null, null, Now);
        var obj = table["rows"]![0]!["object"]!;
        Assert.Equal("ConfigMap", (string?)obj["kind"]);
        Assert.Equal("v", (string?)obj["data"]!["k"]);
        Assert.NotSame(source, obj);
    }

    [Fact]
    public void Build_None_NoObject()
    {
        var table = TableBuilder.Build(TableConverters.For("", "ConfigMap"), [ConfigMap("a")], "None", "1", null, null, Now);
        Assert.False(table["rows"]![0]!.AsObject().ContainsKey("object"));
    }

    [Fact]
    public void Build_Empty_EmptyRows()
    {
        var table = TableBuilder.Build(TableConverters.For("", "Pod"), [], "Metadata", "3", null, null, Now);
        Assert.Equal("[]", table["rows"]!.ToJsonString());
        Assert.Equal(9, table["columnDefinitions"]!.AsArray().Count);
    }

    [Fact]
    public void Build_BadInclude_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => TableBuilder.Build(TableConverters.For("", "Pod"), [], "Everything", null, null, null, Now));
        Assert.StartsWith("unrecognized includeObject value: \"Everything\"", e.Message);
    }

    [Fact]
    public void Build_SucceededPod_RowConditions()
    {
        var pod = (JsonObject)JsonNode.Parse("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Succeeded"}}""")!;
        var table = TableBuilder.Build(TableConverters.For("", "Pod"), [pod], "None", null, null, null, Now);
        Assert.Equal("Completed", (string?)table["rows"]![0]!["conditions"]![0]!["type"]);
    }
}
