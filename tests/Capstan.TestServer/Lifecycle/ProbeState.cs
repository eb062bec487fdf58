namespace Capstan.TestServer.Lifecycle;

/// <summary>What /healthz and /readyz answer; flipped by requests and by the --fail-health-after and --ready-after timers.</summary>
internal sealed class ProbeState(bool healthy = true, bool ready = true)
{
    private volatile bool _healthy = healthy;
    private volatile bool _ready = ready;

    public bool Healthy
    {
        get => _healthy;
        set => _healthy = value;
    }

    public bool Ready
    {
        get => _ready;
        set => _ready = value;
    }
}
