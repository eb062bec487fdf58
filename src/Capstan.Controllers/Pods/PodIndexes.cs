using Capstan.Client.Cache;

namespace Capstan.Controllers.Pods;

/// <summary>Secondary indexes of the shared pod cache that several controllers read.</summary>
internal static class PodIndexes
{
    public const string NodeName = "spec.nodeName";

    private static readonly Lock Lock = new();

    /// <summary>Adds the index of pods by spec.nodeName unless another controller on the same cache already did.</summary>
    public static void EnsureNodeName(IndexedCache pods)
    {
        lock (Lock)
        {
            try
            {
                pods.AddIndexer(NodeName, p => PodFacts.NodeName(p) is { Length: > 0 } node ? [node] : []);
            }
            catch (InvalidOperationException)
            {
                // Already there: the informer is shared.
            }
        }
    }
}
