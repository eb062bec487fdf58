using Capstan.Agent.Probes;

namespace Capstan.Agent.Pods;

/// <summary>The probe workers of one running container instance.</summary>
internal sealed class ContainerProbes(string containerName) : IAsyncDisposable
{
    public string ContainerName { get; } = containerName;

    public ProbeWorker? Startup { get; set; }

    public ProbeWorker? Liveness { get; set; }

    public ProbeWorker? Readiness { get; set; }

    /// <summary>Set once the container has been killed for a failed liveness or startup probe, so it is killed once.</summary>
    public bool Killed { get; set; }

    public bool Started => Startup is null || Startup.Result == ProbeResult.Success;

    public bool Ready => Started && (Readiness is null || Readiness.Result == ProbeResult.Success);

    /// <summary>The probe that demands a restart: a failed liveness probe, or a startup probe that failed its threshold.</summary>
    public ProbeWorker? Failing =>
        Startup is { Result: ProbeResult.Failure } ? Startup
        : Started && Liveness is { Result: ProbeResult.Failure } ? Liveness
        : null;

    public void Start()
    {
        Startup?.Start();
        Liveness?.Start();
        Readiness?.Start();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in new[] { Startup, Liveness, Readiness })
        {
            if (worker is not null)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
