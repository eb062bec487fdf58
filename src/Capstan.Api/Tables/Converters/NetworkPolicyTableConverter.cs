using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class NetworkPolicyTableConverter() : TableConverter("networking.k8s.io", "NetworkPolicy",
[
    Column.Name,
    Column.Str("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."),
    Column.Age,
])
{
    // podSelector is a struct in Kubernetes, never nil: absent reads as the empty selector.
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), CellFormat.Selector(JsonRead.Obj(obj, "spec", "podSelector") ?? []), Age(obj, now)];
}
