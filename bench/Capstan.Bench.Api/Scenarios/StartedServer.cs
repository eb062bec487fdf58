namespace Capstan.Bench.Api.Scenarios;

/// <summary>A server process that reached ready, with how long that took; disposing it stops the server.</summary>
public sealed class StartedServer(IAsyncDisposable server, double readyMs) : IAsyncDisposable
{
    public double ReadyMs { get; } = readyMs;

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
