namespace Capstan.Network.Catalog;

/// <summary>
/// The annotations on a Service that split its traffic between stable and canary pods (the Canary controller writes them).
/// </summary>
/// <remarks>
/// Design: the canary pods run beside the stable ones and match the Service's selector, so they are among its endpoints;
/// a second Service (<see cref="CanaryService"/>) selects only them. The catalog marks the main Service's backends that
/// are also the canary Service's as <see cref="Backend.Canary"/>, and the proxy and the ingress send
/// <see cref="CanaryWeight"/> percent of new connections or requests to those and the rest to the others, by smooth
/// weighted round robin so the split is exact over every hundred picks. Annotations rather than a new field keep the
/// core/v1 schema (and kubectl's strict validation) untouched, and one Service keeps one ClusterIP for clients.
/// </remarks>
public static class CanaryAnnotations
{
    /// <summary>The canary's share of the Service's traffic in percent, 0 to 100.</summary>
    public const string CanaryWeight = "capstan.io/canary-weight";

    /// <summary>The name of the Service (same namespace) that selects only the canary pods.</summary>
    public const string CanaryService = "capstan.io/canary-service";

    /// <summary>The weight in a Service's annotations: null when no split is configured (either annotation missing or not a number).</summary>
    public static int? WeightOf(IReadOnlyDictionary<string, string> annotations) =>
        annotations.TryGetValue(CanaryService, out var service) && service.Length > 0
        && annotations.TryGetValue(CanaryWeight, out var text)
        && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var weight)
            ? Math.Clamp(weight, 0, 100)
            : null;
}
