using k8s.Models;

namespace Capstan.Agent.Env;

/// <summary>The Services a pod's service environment variables are made from.</summary>
public interface IServiceSource
{
    /// <summary>The Services of <paramref name="ns"/> and of the default namespace (for the kubernetes master service).</summary>
    /// <exception cref="EnvConfigException">The Services have not been read yet, so the variables cannot be built.</exception>
    Task<IReadOnlyList<V1Service>> ServicesAsync(string ns, CancellationToken ct);
}
