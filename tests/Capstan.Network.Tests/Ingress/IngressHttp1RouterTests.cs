using System.Net;
using Capstan.Network.Ingress;

namespace Capstan.Network.Tests.Ingress;

public sealed class IngressHttp1RouterTests
{
    [Theory]
    [InlineData("http://10.0.0.5:8080", "10.0.0.5:8080")]
    [InlineData("http://[fd00::5]:80", "[fd00::5]:80")]
    [InlineData("https://10.0.0.5:8443", null)] // TLS to the pod: through YARP's fallback listener
    [InlineData("http://pod.example:80", null)]
    public void PlainEndPoint_OnlyPlainHttpToAnAddress(string address, string? expected)
    {
        Assert.Equal(expected is null ? null : IPEndPoint.Parse(expected), IngressHttp1Router.PlainEndPoint(address));
    }
}
