namespace Capstan.Agent.Volumes;

/// <summary>A volume cannot be set up (its ConfigMap or Secret is missing): the pod waits in ContainerCreating with a FailedMount event.</summary>
public sealed class VolumeSetupException(string volume, string message) : Exception(message)
{
    public string Volume { get; } = volume;
}
