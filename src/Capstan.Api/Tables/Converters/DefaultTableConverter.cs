using System.Globalization;
using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

/// <summary>Kubernetes' default table for kinds without a printer (Role, ClusterRole, LimitRange...): Name and Created At.</summary>
internal sealed class DefaultTableConverter(string group, string kind) : TableConverter(group, kind,
[
    Column.Name,
    new TableColumn("Created At", "date", "", Column.CreationTimestampDescription),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var created = JsonRead.Time(obj, "metadata", "creationTimestamp") ?? DateTimeOffset.MinValue;
        return [Name(obj), created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)];
    }
}
