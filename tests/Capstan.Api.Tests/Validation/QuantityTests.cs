using Capstan.Api.Validation;

namespace Capstan.Api.Tests.Validation;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("0", "0")]
    [InlineData("100m", "100m")]
    [InlineData("0.1", "100m")]
    [InlineData("1.5", "1500m")]
    [InlineData("1000m", "1")]
    [InlineData("1000", "1k")]
    [InlineData("1200", "1200")]
    [InlineData("1k", "1k")]
    [InlineData("1M", "1M")]
    [InlineData("1Gi", "1Gi")]
    [InlineData("1024Mi", "1Gi")]
    [InlineData("1536Mi", "1536Mi")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("512", "512")]
    [InlineData("0.5Ki", "512")]
    [InlineData("12e6", "12e6")]
    [InlineData("1E3", "1e3")]
    [InlineData("1.5e3", "1500")]
    [InlineData("-1", "-1")]
    [InlineData("+5", "5")]
    [InlineData("1n", "1n")]
    [InlineData("0.0000000001", "1n")]
    [InlineData("1u", "1u")]
    [InlineData(".5", "500m")]
    [InlineData("5.", "5")]
    [InlineData("1E", "1E")]
    public void TryParse_Valid_FormatsCanonically(string text, string expected)
    {
        Assert.True(Quantity.TryParse(text, out var q));
        Assert.Equal(expected, q.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1 ")]
    [InlineData(" 1")]
    [InlineData("1Kb")]
    [InlineData("1KiB")]
    [InlineData("1e")]
    [InlineData("1e1.5")]
    [InlineData("--1")]
    [InlineData(".")]
    [InlineData("1ki")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(Quantity.TryParse(text, out _));

    [Theory]
    [InlineData("1", "1000m", 0)]
    [InlineData("1Gi", "1G", 1)]
    [InlineData("500m", "0.6", -1)]
    [InlineData("1Ki", "1024", 0)]
    public void CompareTo_MixedSuffixes_ComparesValues(string a, string b, int expected) =>
        Assert.Equal(expected, Math.Sign(Quantity.Parse(a).CompareTo(Quantity.Parse(b))));

    [Theory]
    [InlineData("100m", 100)]
    [InlineData("1", 1000)]
    [InlineData("1n", 1)]
    public void MilliValue_RoundsUp(string text, long expected) => Assert.Equal(expected, Quantity.Parse(text).MilliValue);

    [Fact]
    public void RoundUp_ToMilli_RoundsTowardsInfinity() =>
        Assert.Equal("1m", Quantity.Parse("0.0001").RoundUp(-3).ToString());

    // KubernetesClient's ResourceQuantity agrees for non-negative values (it mis-prints negatives, e.g. "-1").
    [Theory]
    [InlineData("0.1")]
    [InlineData("1.0001")]
    [InlineData("2048Ki")]
    [InlineData("0.5Mi")]
    [InlineData("1000Ki")]
    [InlineData("1e-3")]
    [InlineData("129e6")]
    [InlineData("0.25Gi")]
    public void ToString_NonNegative_AgreesWithKubernetesClient(string text) =>
        Assert.Equal(new k8s.Models.ResourceQuantity(text).ToString(), Quantity.Parse(text).ToString());
}
