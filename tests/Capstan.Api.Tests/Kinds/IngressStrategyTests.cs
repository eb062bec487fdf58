using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class IngressStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("networking.k8s.io", "Ingress")!;

    private static IEnumerable<string> Errors(string spec) =>
        Json.Fields(Strategy.Validate(Json.Parse("""{"metadata":{"name":"i","namespace":"default"},"spec":""" + spec + "}"), null));

    [Fact]
    public void Validate_Good_NoErrors() => Assert.Empty(Errors("""
        {"ingressClassName":"capstan","rules":[{"host":"*.example.com","http":{"paths":[
          {"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}},
          {"path":"/api","pathType":"Exact","backend":{"service":{"name":"api","port":{"name":"http"}}}}]}}],
         "tls":[{"hosts":["a.example.com"],"secretName":"tls"}]}
        """));

    [Theory]
    [InlineData("{}", "spec:FieldValueInvalid")]
    [InlineData("""{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}""", "spec.rules[0].http.paths[0].pathType:FieldValueRequired")]
    [InlineData("""{"rules":[{"http":{"paths":[{"path":"/","pathType":"Regex","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}""", "spec.rules[0].http.paths[0].pathType:FieldValueNotSupported")]
    [InlineData("""{"rules":[{"http":{"paths":[{"path":"api","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}""", "spec.rules[0].http.paths[0].path:FieldValueInvalid")]
    [InlineData("""{"rules":[{"host":"10.0.0.1","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}""", "spec.rules[0].host:FieldValueInvalid")]
    [InlineData("""{"rules":[{"http":{"paths":[]}}]}""", "spec.rules[0].http.paths:FieldValueRequired")]
    [InlineData("""{"defaultBackend":{"service":{"name":"web","port":{}}}}""", "spec.defaultBackend.service.port:FieldValueRequired")]
    public void Validate_Bad(string spec, string expected) => Assert.Contains(expected, Errors(spec));
}
