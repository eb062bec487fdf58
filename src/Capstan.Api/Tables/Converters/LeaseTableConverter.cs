using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class LeaseTableConverter() : TableConverter("coordination.k8s.io", "Lease",
[
    Column.Name,
    Column.Str("Holder", "holderIdentity contains the identity of the holder of a current lease."),
    Column.Age,
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), JsonRead.Str(obj, "spec", "holderIdentity"), Age(obj, now)];
}
