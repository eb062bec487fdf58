using System.Net;
using System.Text;
using Capstan.TestServer.Endpoints;
using Capstan.TestServer.Http;
using Capstan.TestServer.Lifecycle;
using Capstan.TestServer.Load;
using Capstan.TestServer.Udp;

namespace Capstan.TestServer.Tests.Endpoints;

public sealed class RouterTests
{
    private readonly ProbeState _probes = new();
    private readonly List<int> _exits = [];
    private readonly Router _router;

    public RouterTests()
    {
        _router = new Router(new ServerIdentity("pod-a", IPAddress.Parse("10.42.0.9")), _probes, new CpuBurner(), new MemoryHog(), _exits.Add);
    }

    [Theory]
    [InlineData("GET", "/", 200, "pod-a")]
    [InlineData("GET", "/hostname", 200, "pod-a")]
    [InlineData("GET", "/ip", 200, "10.42.0.9")]
    [InlineData("GET", "/echo?msg=hi", 200, "hi")]
    [InlineData("GET", "/env", 400, "missing ?name=")]
    [InlineData("GET", "/healthz", 200, "ok")]
    [InlineData("GET", "/readyz", 200, "ok")]
    [InlineData("GET", "/missing", 404, "not found")]
    [InlineData("POST", "/hostname", 405, "method not allowed")]
    [InlineData("GET", "/healthz/fail", 405, "method not allowed")]
    [InlineData("POST", "/exit?code=256", 400, "?code= must be an integer from 0 to 255")]
    [InlineData("POST", "/cpu?millis=0", 400, "?millis= must be an integer from 1 to 64000")]
    [InlineData("POST", "/memory?mb=x", 400, "?mb= must be an integer from 0 to 1048576")]
    public void Handle_Request_Answers(string method, string target, int status, string body)
    {
        var response = _router.Handle(Request(method, target));

        Assert.Equal((status, body), (response.StatusCode, response.Body));
    }

    [Fact]
    public void Handle_HealthAndReadinessPosts_FlipProbeState()
    {
        _router.Handle(Request("POST", "/healthz/fail"));
        _router.Handle(Request("POST", "/readyz/fail"));

        Assert.Equal((500, "unhealthy"), Status(_router.Handle(Request("GET", "/healthz"))));
        Assert.Equal((503, "not ready"), Status(_router.Handle(Request("GET", "/readyz"))));
        Assert.False(_probes.Healthy);
        Assert.False(_probes.Ready);

        _router.Handle(Request("POST", "/healthz/ok"));
        _router.Handle(Request("POST", "/readyz/ok"));

        Assert.True(_probes.Healthy);
        Assert.True(_probes.Ready);
    }

    [Fact]
    public void Handle_ExitPost_ExitsOnlyAfterSent()
    {
        var response = _router.Handle(Request("POST", "/exit?code=9"));

        Assert.Empty(_exits);
        response.AfterSent!();
        Assert.Equal([9], _exits);
    }

    [Fact]
    public void Handle_Stats_ReportsJson()
    {
        var response = _router.Handle(Request("GET", "/stats"));

        Assert.Equal(HttpResponse.Json, response.ContentType);
        using var json = System.Text.Json.JsonDocument.Parse(response.Body);
        Assert.Equal(Environment.ProcessId, json.RootElement.GetProperty("pid").GetInt32());
        Assert.True(json.RootElement.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public void AddressFor_BoundToAny_UsesConnectionLocalAddress()
    {
        var identity = new ServerIdentity("h", IPAddress.Any);

        Assert.Equal(IPAddress.Parse("127.0.0.5"), identity.AddressFor(new IPEndPoint(IPAddress.Parse("127.0.0.5"), 80)));
        Assert.Equal(IPAddress.Parse("127.0.0.5"), identity.AddressFor(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.5"), 80)));
    }

    [Theory]
    [InlineData("hostname\n", "pod-a")]
    [InlineData("echo a b", "a b")]
    [InlineData("clientip", "192.0.2.1")]
    [InlineData("dance", "unknown command 'dance'")]
    public void UdpAnswer_Command_Answers(string command, string expected)
    {
        var identity = new ServerIdentity("pod-a", IPAddress.Any);

        Assert.Equal(expected, UdpResponder.Answer(command, identity, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5000)));
    }

    private static (int, string) Status(HttpResponse response) => (response.StatusCode, response.Body);

    private static HttpRequest Request(string method, string target)
    {
        var head = Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: x");
        return HttpRequestParser.Parse(head, [], remote: null, local: null);
    }
}
