using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class ServiceTableConverter() : TableConverter("", "Service",
[
    Column.Name,
    Column.Str("Type", "type determines how the Service is exposed."),
    Column.Str("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
    Column.Str("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
    Column.Str("Port(s)", "The list of ports that are exposed by this service."),
    Column.Age,
    Column.Wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
])
{
    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = JsonRead.Obj(obj, "spec");
        var type = JsonRead.StrOrNull(spec, "type") ?? "ClusterIP";
        var clusterIP = JsonRead.Arr(spec, "clusterIPs").Select(n => n?.GetValue<string>()).FirstOrDefault()
            ?? JsonRead.StrOrNull(spec, "clusterIP");
        var ports = string.Join(",", JsonRead.Objects(spec, "ports").Select(p =>
        {
            var protocol = JsonRead.StrOrNull(p, "protocol") ?? "TCP";
            var nodePort = JsonRead.Long(p, "nodePort");
            return nodePort > 0 ? $"{JsonRead.Long(p, "port")}:{nodePort}/{protocol}" : $"{JsonRead.Long(p, "port")}/{protocol}";
        }));
        return
        [
            Name(obj),
            type,
            string.IsNullOrEmpty(clusterIP) ? CellFormat.None : clusterIP,
            ExternalIP(obj, type),
            ports.Length == 0 ? CellFormat.None : ports,
            Age(obj, now),
            CellFormat.Labels(JsonRead.Obj(spec, "selector")),
        ];
    }

    private static string ExternalIP(JsonObject svc, string type)
    {
        var externalIPs = JsonRead.Arr(svc, "spec", "externalIPs").Select(n => n?.GetValue<string>() ?? "").ToList();
        switch (type)
        {
            case "ClusterIP" or "NodePort":
                return externalIPs.Count > 0 ? string.Join(",", externalIPs) : CellFormat.None;
            case "LoadBalancer":
                var lb = CellFormat.LoadBalancerIngress(JsonRead.Obj(svc, "status", "loadBalancer"));
                if (externalIPs.Count > 0)
                {
                    return string.Join(",", (lb.Length > 0 ? lb.Split(',') : []).Concat(externalIPs));
                }

                return lb.Length > 0 ? lb : "<pending>";
            case "ExternalName":
                return JsonRead.Str(svc, "spec", "externalName");
            default:
                return CellFormat.Unknown;
        }
    }
}
