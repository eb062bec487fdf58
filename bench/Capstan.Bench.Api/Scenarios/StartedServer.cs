using Capstan.Bench.Api.Targets;

namespace Capstan.Bench.Api.Scenarios;

/// <summary>A server process that reached ready, with how long that took; disposing it stops the server.</summary>
public sealed class StartedServer(IAsyncDisposable server, double readyMs, Func<IBenchTarget> createTarget) : IAsyncDisposable
{
    public double ReadyMs { get; } = readyMs;

    /// <summary>A client for this server; the caller disposes it.</summary>
    public IBenchTarget CreateTarget() => createTarget();

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
