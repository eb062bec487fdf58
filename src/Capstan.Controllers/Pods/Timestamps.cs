using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Controllers.Pods;

/// <summary>metav1.Time on the wire: RFC 3339 in UTC with second precision.</summary>
internal static class Timestamps
{
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Parse(JsonNode? node) =>
        JsonAccess.AsString(node) is { Length: > 0 } s
        && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    public static DateTimeOffset? CreationTime(JsonObject obj) => Parse(obj["metadata"]?["creationTimestamp"]);
}
