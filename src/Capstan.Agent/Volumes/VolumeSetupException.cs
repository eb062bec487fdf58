namespace Capstan.Agent.Volumes;

/// <summary>A volume cannot be set up (its ConfigMap or Secret is missing): the pod waits in ContainerCreating with a FailedMount event.</summary>
public sealed class VolumeSetupException(string volume, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public string Volume { get; } = volume;

    /// <summary>Set for a condition expected to clear within moments (a claim being bound): retry this soon, without a FailedMount event.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
