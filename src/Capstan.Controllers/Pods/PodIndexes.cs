using System.Text.Json.Nodes;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.Pods;

/// <summary>Secondary indexes of the shared pod cache that several controllers read.</summary>
internal static class PodIndexes
{
    public const string NodeName = "spec.nodeName";

    /// <summary>Index of pods by where they are in their life: <see cref="Terminal"/> (Succeeded or Failed), <see cref="Deleting"/> (deletionTimestamp set), both, or neither.</summary>
    public const string Lifecycle = "lifecycle";

    public const string Terminal = "terminal";
    public const string Deleting = "deleting";

    private static readonly Lock Lock = new();

    /// <summary>Adds the index of pods by spec.nodeName unless another controller on the same cache already did.</summary>
    public static void EnsureNodeName(IndexedCache pods) =>
        Ensure(pods, NodeName, p => PodFacts.NodeName(p) is { Length: > 0 } node ? [node] : []);

    /// <summary>Adds the <see cref="Lifecycle"/> index unless another controller on the same cache already did.</summary>
    public static void EnsureLifecycle(IndexedCache pods) => Ensure(pods, Lifecycle, LifecycleOf);

    internal static IEnumerable<string> LifecycleOf(JsonObject pod) => (PodFacts.IsTerminal(pod), pod.IsBeingDeleted()) switch
    {
        (true, true) => [Terminal, Deleting],
        (true, false) => [Terminal],
        (false, true) => [Deleting],
        _ => [],
    };

    private static void Ensure(IndexedCache pods, string name, Func<JsonObject, IEnumerable<string>> indexer)
    {
        lock (Lock)
        {
            try
            {
                pods.AddIndexer(name, indexer);
            }
            catch (InvalidOperationException)
            {
                // Already there: the informer is shared.
            }
        }
    }
}
