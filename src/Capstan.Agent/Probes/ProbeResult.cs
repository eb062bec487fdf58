namespace Capstan.Agent.Probes;

public enum ProbeResult
{
    Unknown,
    Success,
    Failure,
}

/// <param name="Message">Why a probe failed, worded as the kubelet's Unhealthy events are (e.g. "HTTP probe failed with statuscode: 500").</param>
public sealed record ProbeOutcome(ProbeResult Result, string Message)
{
    public static ProbeOutcome Success { get; } = new(ProbeResult.Success, "");

    public static ProbeOutcome Fail(string message) => new(ProbeResult.Failure, message);
}

public enum ProbeKind
{
    Liveness,
    Readiness,
    Startup,
}
