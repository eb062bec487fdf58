using System.Net;
using Capstan.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Proxy;

/// <summary>Serves the proxy's <see cref="ProxyMetrics"/> as Prometheus text at GET /metrics (kube-proxy's metrics port is 10249).</summary>
public sealed class ProxyMetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyMetricsServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ProxyMetricsServer> StartAsync(ProxyMetrics metrics, IPAddress address, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.NoConfigReload, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(metrics.ToString(), "text/plain; version=0.0.4; charset=utf-8"));
        await app.StartAsync(ct).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return new ProxyMetricsServer(app, bound is null ? port : new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
