using Capstan.Agent.Env;
using Capstan.Agent.Events;
using Capstan.Agent.Probes;
using Capstan.Agent.Runtime;
using Capstan.Agent.Volumes;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Pods;

/// <summary>What every pod worker shares.</summary>
internal sealed record PodWorkerContext(
    IKubernetes Client,
    IContainerRuntime Runtime,
    AgentOptions Options,
    EventRecorder Events,
    ProbeHandlers Probes,
    EnvBuilder Env,
    PodDirectory Directory,
    PodVolumes Volumes,
    ILogger Logger)
{
    /// <summary>Applies imagePullPolicy and pulls; null for runtimes without an image service (process, fake).</summary>
    public Images.ImagePuller? Images { get; init; }

    /// <summary>Keeps the data of the ConfigMaps and Secrets the pods' volumes mount while they are watched; null reads them each time.</summary>
    public Volumes.Config.WatchedConfigCache? ConfigCache { get; init; }
}
