namespace Capstan.Agent.Env;

/// <summary>
/// A container's env cannot be built (a ConfigMap, Secret or key it needs is missing): the container waits with reason
/// CreateContainerConfigError and this message, as the kubelet reports it.
/// </summary>
public sealed class EnvConfigException(string message) : Exception(message);
