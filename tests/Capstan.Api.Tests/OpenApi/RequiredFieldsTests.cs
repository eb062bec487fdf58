using Capstan.Api.OpenApi;
using Capstan.Api.Schema;
using k8s.Models;

namespace Capstan.Api.Tests.OpenApi;

public sealed class RequiredFieldsTests
{
    [Fact]
    public void Entries_NameRealModelFields()
    {
        var assembly = typeof(V1Pod).Assembly;
        var missing = RequiredFields.Entries
            .Where(e => assembly.GetType($"k8s.Models.{e.Type}") is not { } model || !ModelSchema.For(model).Fields.ContainsKey(e.Field))
            .Select(e => $"{e.Type}.{e.Field}");
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(typeof(V1Container), "name", true)]
    [InlineData(typeof(V1Container), "image", false)]
    [InlineData(typeof(V1DeploymentSpec), "selector", true)]
    [InlineData(typeof(V1DeploymentSpec), "replicas", false)]
    public void IsRequired_KnownFields_MatchesApiReference(Type type, string field, bool expected)
    {
        Assert.Equal(expected, RequiredFields.IsRequired(type, field));
    }
}
