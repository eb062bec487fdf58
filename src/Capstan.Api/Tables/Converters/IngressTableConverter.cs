using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class IngressTableConverter() : TableConverter("networking.k8s.io", "Ingress",
[
    Column.Name,
    Column.Str("Class", "The name of the IngressClass resource that should be used for additional configuration"),
    Column.Str("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    Column.Str("Address", "Address is a list containing ingress points for the load-balancer"),
    Column.Str("Ports", "Ports of TLS configurations that open"),
    Column.Age,
])
{
    private const int MaxHosts = 3;

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Name(obj),
        JsonRead.StrOrNull(obj, "spec", "ingressClassName") ?? CellFormat.None,
        Hosts(JsonRead.Objects(obj, "spec", "rules").ToList()),
        CellFormat.LoadBalancerIngress(JsonRead.Obj(obj, "status", "loadBalancer")),
        JsonRead.Count(obj, "spec", "tls") > 0 ? "80, 443" : "80",
        Age(obj, now),
    ];

    // Hosts of the first rules that have one, up to three; once three are listed any further rule counts as "more".
    private static string Hosts(List<JsonObject> rules)
    {
        var hosts = new List<string>();
        var more = false;
        foreach (var rule in rules)
        {
            if (hosts.Count == MaxHosts)
            {
                more = true;
                break;
            }

            var host = JsonRead.Str(rule, "host");
            if (host.Length > 0)
            {
                hosts.Add(host);
            }
        }

        if (hosts.Count == 0)
        {
            return "*";
        }

        var text = string.Join(",", hosts);
        return more ? $"{text} + {rules.Count - MaxHosts} more..." : text;
    }
}
