using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Tests.Ingress;

/// <summary>
/// An HTTP server on loopback that answers "name path host"; /slow?ms=N answers after N ms, /echo sends the request body
/// back (prefixed by the name), /chunked answers in three flushed pieces (chunked), /empty 204, /headers the
/// X-Forwarded-* fields it got, /ws is a websocket that echoes text messages prefixed by the name.
/// </summary>
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
        app.UseWebSockets();
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/echo":
                    using (var reader = new StreamReader(context.Request.Body))
                    {
                        await context.Response.WriteAsync($"{name} {await reader.ReadToEndAsync()}");
                    }

                    return;
                case "/chunked":
                    for (var i = 0; i < 3; i++)
                    {
                        await context.Response.WriteAsync($"{name}-part{i};");
                        await context.Response.Body.FlushAsync();
                    }

                    return;
                case "/empty":
                    context.Response.StatusCode = 204;
                    return;
                case "/headers":
                    await context.Response.WriteAsync($"{context.Request.Headers["X-Forwarded-For"]}|{context.Request.Headers["X-Forwarded-Proto"]}|{context.Request.Headers["X-Forwarded-Host"]}");
                    return;
                case "/ws" when context.WebSockets.IsWebSocketRequest:
                    using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                    {
                        var buffer = new byte[4096];
                        while (true)
                        {
                            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                            {
                                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                                return;
                            }

                            var reply = System.Text.Encoding.UTF8.GetBytes($"{name}:{System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                            await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
                        }
                    }
            }

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
