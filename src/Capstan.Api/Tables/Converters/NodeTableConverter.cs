using System.Text.Json.Nodes;

namespace Capstan.Api.Tables.Converters;

internal sealed class NodeTableConverter() : TableConverter("", "Node",
[
    Column.Name,
    Column.Str("Status", "The status of the node"),
    Column.Str("Roles", "The roles of the node"),
    Column.Age,
    Column.Str("Version", "Kubelet Version reported by the node."),
    Column.Wide("Internal-IP", "List of addresses reachable to the node."),
    Column.Wide("External-IP", "List of addresses reachable to the node."),
    Column.Wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    Column.Wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    Column.Wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
])
{
    private const string RolePrefix = "node-role.kubernetes.io/";
    private const string RoleLabel = "kubernetes.io/role";

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = new List<string>();
        var ready = JsonRead.Objects(obj, "status", "conditions").LastOrDefault(c => JsonRead.Str(c, "type") == "Ready");
        if (ready is not null)
        {
            status.Add(JsonRead.Str(ready, "status") == "True" ? "Ready" : "NotReady");
        }
        else
        {
            status.Add("Unknown");
        }

        if (JsonRead.Bool(obj, "spec", "unschedulable"))
        {
            status.Add("SchedulingDisabled");
        }

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in JsonRead.Obj(obj, "metadata", "labels") ?? [])
        {
            if (key.StartsWith(RolePrefix, StringComparison.Ordinal) && key.Length > RolePrefix.Length)
            {
                roles.Add(key[RolePrefix.Length..]);
            }
            else if (key == RoleLabel && value?.GetValue<string>() is { Length: > 0 } role)
            {
                roles.Add(role);
            }
        }

        var info = JsonRead.Obj(obj, "status", "nodeInfo");
        return
        [
            Name(obj),
            string.Join(",", status),
            roles.Count == 0 ? CellFormat.None : string.Join(",", roles),
            Age(obj, now),
            JsonRead.Str(info, "kubeletVersion"),
            Address(obj, "InternalIP"),
            Address(obj, "ExternalIP"),
            OrUnknown(JsonRead.Str(info, "osImage")),
            OrUnknown(JsonRead.Str(info, "kernelVersion")),
            OrUnknown(JsonRead.Str(info, "containerRuntimeVersion")),
        ];
    }

    private static string Address(JsonObject node, string type) =>
        JsonRead.Objects(node, "status", "addresses").FirstOrDefault(a => JsonRead.Str(a, "type") == type) is { } a
            ? JsonRead.Str(a, "address")
            : CellFormat.None;

    private static string OrUnknown(string value) => value.Length == 0 ? CellFormat.Unknown : value;
}
