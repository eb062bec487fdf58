using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Network.Catalog;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Ingress;

/// <summary>Writes the node's address into status.loadBalancer.ingress of every Ingress the controller serves.</summary>
internal sealed partial class IngressStatusWriter(DynamicClient client, string address, ILogger logger)
{
    private readonly string _field = IPAddress.TryParse(address, out _) ? "ip" : "hostname";

    public async Task UpdateAsync(IReadOnlyList<JsonObject> ingresses, CancellationToken ct)
    {
        foreach (var ingress in ingresses)
        {
            if (HasAddress(ingress))
            {
                continue;
            }

            // Never change a cached object: copy, then set the status.
            var copy = ingress.DeepClone().AsObject();
            copy["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { [_field] = address }) } };
            try
            {
                await client.UpdateStatusAsync(NetworkResources.Ingresses, copy, ct).ConfigureAwait(false);
            }
            catch (ApiRequestException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Deleted or changed meanwhile: the informer's event for it brings a rebuild and another try.
            }
            catch (Exception ex) when (ex is ApiRequestException or HttpRequestException)
            {
                LogStatusFailed(logger, ingress.GetKey(), ex);
            }
        }
    }

    private bool HasAddress(JsonObject ingress) =>
        ingress["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: 1 } entries
        && entries[0] is JsonObject entry
        && entry.Count == 1
        && entry[_field]?.GetValue<string>() == address;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "ingress {Ingress}: could not write status.loadBalancer")]
    private static partial void LogStatusFailed(ILogger logger, string ingress, Exception exception);
}
