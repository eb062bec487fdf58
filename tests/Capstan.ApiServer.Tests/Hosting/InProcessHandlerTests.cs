using System.Net;
using System.Text;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Capstan.ApiServer.Tests.Hosting;

/// <summary>The handler's HTTP mechanics against a stand-in pipeline: request mapping, streaming, abort and identity.</summary>
public sealed class InProcessHandlerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static HttpClient Client(RequestDelegate pipeline, string user = "tester") =>
        new(new InProcessHandler(pipeline, new UserInfo(user, "group-a"))) { BaseAddress = new Uri("http://in-process/") };

    [Fact]
    public async Task Send_MapsMethodPathQueryHeadersAndBody()
    {
        string? seen = null;
        using var client = Client(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            seen = $"{http.Request.Method} {http.Request.Path.Value} {http.Request.QueryString} {http.Request.ContentType} {http.Request.Headers["X-Test"]} {body}";
            http.Response.StatusCode = 201;
            http.Response.ContentType = "application/json";
            http.Response.Headers["X-Answer"] = "42";
            await http.Response.WriteAsync("{\"ok\":true}");
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/namespaces/a%20b/things?x=1&y=%2F") { Content = new StringContent("hello", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Test", "t");
        using var response = await client.SendAsync(request);

        Assert.Equal("POST /api/v1/namespaces/a b/things ?x=1&y=%2F application/json; charset=utf-8 t hello", seen);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("42", response.Headers.GetValues("X-Answer").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"ok\":true}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Send_StatusWithoutBody_Completes()
    {
        using var client = Client(http =>
        {
            http.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        using var response = await client.GetAsync("x");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Send_PipelineThrowsBeforeResponding_Is500()
    {
        using var client = Client(_ => throw new InvalidOperationException("boom"));
        using var response = await client.GetAsync("x");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Send_CarriesTheHandlersIdentityNotAHeader()
    {
        var identities = new List<string>();
        using var client = Client(http =>
        {
            // The identity is a feature only the handler sets; the request also carries no client certificate.
            identities.Add(http.Connection.ClientCertificate is null ? "no-cert" : "cert");
            return Task.CompletedTask;
        });
        using var response = await client.GetAsync("x");
        Assert.Equal(["no-cert"], identities);
    }

    [Fact]
    public async Task Stream_BodyArrivesBeforeTheRequestEnds()
    {
        var release = new TaskCompletionSource();
        using var client = Client(async http =>
        {
            await http.Response.StartAsync();
            await http.Response.WriteAsync("first\n");
            await http.Response.Body.FlushAsync();
            await release.Task.WaitAsync(http.RequestAborted);
            await http.Response.WriteAsync("second\n");
        });
        using var cts = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync("watch", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.Equal("first", await reader.ReadLineAsync(cts.Token));
        release.SetResult();
        Assert.Equal("second", await reader.ReadLineAsync(cts.Token));
        Assert.Null(await reader.ReadLineAsync(cts.Token));
    }

    [Fact]
    public async Task DisposingTheResponse_AbortsTheRequest()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = Client(async http =>
        {
            await http.Response.StartAsync();
            await http.Response.WriteAsync("event\n");
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.SetResult();
            }
        });
        using var cts = new CancellationTokenSource(Patience);
        var response = await client.GetAsync("watch", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token)))
        {
            Assert.Equal("event", await reader.ReadLineAsync(cts.Token));
        }

        response.Dispose();
        await aborted.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task CancellingBeforeTheHeaders_AbortsTheRequestAndThrows()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = Client(async http =>
        {
            entered.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.SetResult();
            }
        });
        using var cts = new CancellationTokenSource();
        var send = client.GetAsync("slow", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await entered.Task.WaitAsync(Patience);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await aborted.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task ServerStopping_AbortsOpenRequestsAndRefusesNewOnes()
    {
        using var stopping = new CancellationTokenSource();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new HttpClient(new InProcessHandler(
            async http =>
            {
                await http.Response.StartAsync();
                try
                {
                    await Task.Delay(Timeout.Infinite, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    aborted.SetResult();
                }
            },
            new UserInfo("tester"),
            stopping.Token)) { BaseAddress = new Uri("http://in-process/") };
        using var cts = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync("watch", HttpCompletionOption.ResponseHeadersRead, cts.Token);

        await stopping.CancelAsync();
        await aborted.Task.WaitAsync(Patience);
        Assert.Equal("", await response.Content.ReadAsStringAsync(cts.Token));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("again", cts.Token));
    }
}
