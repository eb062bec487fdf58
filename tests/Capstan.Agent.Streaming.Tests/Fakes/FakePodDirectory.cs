using System.Collections.Concurrent;
using Capstan.Agent.Streaming;

namespace Capstan.Agent.Streaming.Tests.Fakes;

/// <summary>Pods and containers set up by the test: (namespace, pod, container, previous) → the runtime container.</summary>
public sealed class FakePodDirectory : IPodDirectory
{
    private readonly ConcurrentDictionary<(string Ns, string Pod, string Container, bool Previous), ContainerRef> _containers = new();

    public void Set(string ns, string pod, string container, ContainerRef target, bool previous = false) =>
        _containers[(ns, pod, container, previous)] = target;

    public ContainerRef? FindContainer(string ns, string podName, string containerName, bool previous) =>
        _containers.TryGetValue((ns, podName, containerName, previous), out var target) ? target : null;

    public IReadOnlyList<string> ContainerNames(string ns, string podName) =>
        _containers.Keys.Where(k => k.Ns == ns && k.Pod == podName && !k.Previous).Select(k => k.Container).Distinct().ToList();

    public string? PodIp(string ns, string podName) => _containers.Keys.Any(k => k.Ns == ns && k.Pod == podName) ? "127.0.0.1" : null;
}
