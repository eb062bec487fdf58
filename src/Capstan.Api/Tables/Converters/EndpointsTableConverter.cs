using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class EndpointsTableConverter() : TableConverter("", "Endpoints",
[
    Column.Name,
    Column.Str("Endpoints", "The set of all endpoints is the union of all subsets."),
    Column.Age,
])
{
    private const int Max = 3;

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), Format(obj), Age(obj, now)];

    // Ready addresses only; each address once per port, or bare IPs for headless subsets without ports.
    private static string Format(JsonObject obj)
    {
        var subsets = JsonRead.Objects(obj, "subsets").ToList();
        if (subsets.Count == 0)
        {
            return CellFormat.None;
        }

        var list = new List<string>();
        var count = 0;
        foreach (var subset in subsets)
        {
            var addresses = JsonRead.Objects(subset, "addresses").Select(a => JsonRead.Str(a, "ip")).ToList();
            var ports = JsonRead.Objects(subset, "ports").ToList();
            if (ports.Count == 0)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(Math.Max(0, Max - list.Count)));
                continue;
            }

            foreach (var port in ports)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(Math.Max(0, Max - list.Count)).Select(ip => CellFormat.HostPort(ip, JsonRead.Long(port, "port"))));
            }
        }

        var text = string.Join(",", list);
        return count > Max ? $"{text} + {count - Max} more..." : text;
    }
}
