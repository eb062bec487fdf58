using System.Text.Json.Nodes;
using Capstan.Api.Patch;

namespace Capstan.Api.Tests.Patch;

public sealed class ApplyPatchDocumentTests
{
    [Fact]
    public void Parse_YamlManifest_TypesScalarsLikeKubernetes()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, version: "1.0"}
              annotations:
                note: |
                  two
                  lines
            spec:
              replicas: 3
              paused: false
              progressDeadlineSeconds: 6_00
              template:
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.25
                    args: ["--x", '007', 1.5]
                    env:
                    - name: EMPTY
                      value: ""
                    - name: NOTHING
                      value:
            """;

        var obj = ApplyPatchDocument.Parse(yaml);

        var expected = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","labels":{"app":"web","version":"1.0"},"annotations":{"note":"two\nlines\n"}},
             "spec":{"replicas":3,"paused":false,"progressDeadlineSeconds":600,
               "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25","args":["--x","007",1.5],
                 "env":[{"name":"EMPTY","value":""},{"name":"NOTHING","value":null}]}]}}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, obj), obj.ToJsonString());
    }

    [Fact]
    public void Parse_Json_ReadsAsYaml()
    {
        var obj = ApplyPatchDocument.Parse("""{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1","b":"true"},"immutable":true}""");

        Assert.Equal("true", obj["data"]!["b"]!.GetValue<string>());
        Assert.True(obj["immutable"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("- a\n- b")]
    [InlineData("a: [1, 2")]
    [InlineData("a: 1\na: 2")]
    [InlineData("a: 1\n---\nb: 2")]
    public void Parse_NotOneObject_ThrowsBadRequest(string body)
    {
        Assert.Equal(PatchErrorKind.BadRequest, Assert.Throws<PatchException>(() => ApplyPatchDocument.Parse(body)).Kind);
    }
}
