using System.Net;
using System.Net.WebSockets;
using System.Text;
using Capstan.Network.Tests.Infrastructure;
using Capstan.Network.Tests.Ingress.Http1;

namespace Capstan.Network.Tests.Ingress;

/// <summary>
/// The plain port's HTTP/1.1 forwarder through the whole controller: Ingress routes, Services and EndpointSlices,
/// metrics, on raw client connections so that one connection can carry requests for several Services.
/// </summary>
[Trait("Category", "Slow")]
public sealed class Http1IngressTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task KeepAliveConnection_TwoRequests_RouteToTwoServices()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "left", [await ingress.BackendAsync("left")]);
        await ingress.ServiceAsync(ns, "right", [await ingress.BackendAsync("right")]);
        await ingress.IngressAsync(ns, "both",
            IngressHarness.Rule("ka.test", IngressHarness.Path("/left", "Prefix", "left")),
            IngressHarness.Rule("ka2.test", IngressHarness.Path("/", "Prefix", "right")));
        await ingress.WaitForAsync("ka.test", "/left", "left");
        await ingress.WaitForAsync("ka2.test", "/", "right");

        using var client = await RawHttpClient.ConnectAsync(ingress.Options.HttpPort);
        await client.SendAsync("GET /left/a HTTP/1.1\r\nHost: ka.test\r\n\r\n");
        Assert.Equal("left /left/a ka.test", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("GET /b HTTP/1.1\r\nHost: ka2.test\r\n\r\n");
        Assert.Equal("right /b ka2.test", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("GET /nothing HTTP/1.1\r\nHost: ka.test\r\n\r\n");
        Assert.Equal(404, (await client.ReadResponseAsync()).Status);

        var metrics = await ingress.Http.GetStringAsync($"http://127.0.0.1:{ingress.Options.MetricsPort}/metrics");
        Assert.Contains($"capstan_ingress_requests_total{{backend=\"{ns}/right:80\"}}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostBodyChunkedResponseAndWebSocket_GoThroughTheController()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        await ingress.ServiceAsync(ns, "app", [await ingress.BackendAsync("app")]);
        await ingress.IngressAsync(ns, "app", IngressHarness.Rule("app.test", IngressHarness.Path("/", "Prefix", "app")));
        await ingress.WaitForAsync("app.test", "/", "app");

        using var post = await ingress.Http.PostAsync(ingress.HttpUri("app.test", "/echo"), new StringContent("a body"));
        Assert.Equal("app a body", await post.Content.ReadAsStringAsync());

        var (status, body) = await ingress.GetAsync("app.test", "/chunked");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("app-part0;app-part1;app-part2;", body);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", "app.test");
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{ingress.Options.HttpPort}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hi"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("app:hi", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task EndpointRefusing_Answers502AndCountsAnError()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        var gone = await ingress.BackendAsync("gone");
        await ingress.ServiceAsync(ns, "gone", [gone]);
        await ingress.IngressAsync(ns, "gone", IngressHarness.Rule("gone.test", IngressHarness.Path("/", "Prefix", "gone")));
        await ingress.WaitForAsync("gone.test", "/", "gone");

        await gone.DisposeAsync();

        Assert.Equal(HttpStatusCode.BadGateway, (await ingress.GetAsync("gone.test", "/")).Status);
        var metrics = await ingress.Http.GetStringAsync($"http://127.0.0.1:{ingress.Options.MetricsPort}/metrics");
        Assert.Matches($"capstan_ingress_errors_total\\{{backend=\"{ns}/gone:80\"\\}} [1-9]", metrics);
    }

    [Fact]
    public async Task EndpointFailing_PassiveHealthTakesItOutOfTheRotation()
    {
        await using var ingress = await IngressHarness.StartAsync(fixture);
        var ns = await ingress.NamespaceAsync();
        var gone = await ingress.BackendAsync("gone");
        var well = await ingress.BackendAsync("well");
        await ingress.ServiceAsync(ns, "pair", [gone, well]);
        await ingress.IngressAsync(ns, "pair", IngressHarness.Rule("passive.test", IngressHarness.Path("/", "Prefix", "pair")));
        await ingress.WaitForAsync("passive.test", "/", "gone");

        // Both stay Ready in their slices; only the failed requests (YARP's TransportFailureRate policy) can tell.
        await gone.DisposeAsync();
        var inARow = 0;
        for (var i = 0; i < 200 && inARow < 20; i++)
        {
            inARow = (await ingress.GetAsync("passive.test", "/")).Body.StartsWith("well ", StringComparison.Ordinal) ? inARow + 1 : 0;
        }

        Assert.Equal(20, inARow);
    }
}
