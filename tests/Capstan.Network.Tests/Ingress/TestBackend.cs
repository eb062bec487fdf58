using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Tests.Ingress;

/// <summary>An HTTP server on loopback that answers "name path host"; /slow?ms=N answers after N ms.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(string name, WebApplication app, int port)
    {
        Name = name;
        _app = app;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>What /healthz answers: 200 while true, 503 after.</summary>
    public bool Healthy { get; set; } = true;

    public static async Task<TestBackend> StartAsync(string name)
    {
        var port = Capstan.Server.CapstanServer.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        TestBackend? self = null;
        app.Run(async context =>
        {
            if (context.Request.Path == "/healthz")
            {
                context.Response.StatusCode = self!.Healthy ? 200 : 503;
                return;
            }

            if (context.Request.Path == "/slow")
            {
                await Task.Delay(int.Parse(context.Request.Query["ms"].ToString(), CultureInfo.InvariantCulture));
            }

            await context.Response.WriteAsync($"{name} {context.Request.Path} {context.Request.Host}");
        });
        self = new TestBackend(name, app, port);
        await app.StartAsync();
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
