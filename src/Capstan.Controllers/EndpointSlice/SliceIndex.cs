using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;

namespace Capstan.Controllers.EndpointSlice;

/// <summary>An index of the shared slice cache by Service key, counting only the slices one manager owns.</summary>
internal static class SliceIndex
{
    private static readonly Lock Lock = new();

    /// <summary>The namespace/service-name key of a slice managed by <paramref name="manager"/>, or null.</summary>
    public static string? ServiceKey(JsonObject slice, string manager)
    {
        var labels = slice["metadata"]?["labels"] as JsonObject;
        return labels?.Str(SliceLabels.ManagedBy) == manager && labels.Str(SliceLabels.ServiceName) is { Length: > 0 } service
            ? $"{slice.GetNamespace()}/{service}"
            : null;
    }

    public static void Ensure(IndexedCache slices, string indexName, string manager)
    {
        lock (Lock)
        {
            try
            {
                slices.AddIndexer(indexName, s => ServiceKey(s, manager) is { } key ? [key] : []);
            }
            catch (InvalidOperationException)
            {
                // Already there: the informer is shared.
            }
        }
    }
}
