using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class EndpointSliceTableConverter() : TableConverter("discovery.k8s.io", "EndpointSlice",
[
    Column.Name,
    Column.Str("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
    Column.Str("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
    Column.Str("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    Column.Age,
])
{
    private const int Max = 3;

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var ports = JsonRead.Objects(obj, "ports")
            .Select(p => JsonRead.LongOrNull(p, "port") is { } port ? CellFormat.I(port) : JsonRead.StrOrNull(p, "name") ?? "*")
            .ToList();
        var addresses = JsonRead.Objects(obj, "endpoints")
            .SelectMany(e => JsonRead.Arr(e, "addresses").Select(a => a?.GetValue<string>() ?? ""))
            .ToList();
        return
        [
            Name(obj),
            JsonRead.Str(obj, "addressType"),
            CellFormat.ListWithMore(ports, Max),
            CellFormat.ListWithMore(addresses, Max),
            Age(obj, now),
        ];
    }
}
