namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// A bind mount the shim makes in the pod's mount namespace: from <paramref name="Source"/> (the host path, or its staging
/// path for a mountPropagation volume) at <paramref name="Target"/>, with <paramref name="Propagation"/> private, rslave or rshared.
/// </summary>
internal sealed record ShimMount(string Source, string Target, bool ReadOnly, string Propagation);
