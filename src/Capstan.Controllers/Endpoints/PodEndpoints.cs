using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Capstan.Api.Selectors;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Controllers.Pods;

namespace Capstan.Controllers.Endpoints;

/// <summary>
/// The rules the endpoints and EndpointSlice controllers share for turning a Service's pods into endpoints: which pods
/// count, their address, hostname and the port each service port resolves to on that pod.
/// </summary>
internal static class PodEndpoints
{
    public const string TriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

    public const string HeadlessLabel = "service.kubernetes.io/headless";

    /// <summary>Services without a selector have their Endpoints managed by the user (and their slices mirrored).</summary>
    public static bool HasSelector(JsonObject service) => service["spec"]?["selector"] is JsonObject { Count: > 0 };

    public static LabelSelector Selector(JsonObject service) =>
        LabelSelector.FromLabels(LabelSelector.ToDictionary(service["spec"]?["selector"] as JsonObject));

    public static bool IsHeadless(JsonObject service) => (service["spec"] as JsonObject)?.Str("clusterIP") == "None";

    public static bool PublishNotReady(JsonObject service) => (service["spec"] as JsonObject)?.Bool("publishNotReadyAddresses") == true;

    public static IReadOnlyList<JsonObject> ServicePorts(JsonObject service) =>
        (service["spec"] as JsonObject)?.Items("ports").Select(p => p.Item).ToList() ?? [];

    /// <summary>The pod's primary IP (status.podIP, else the first of status.podIPs).</summary>
    public static string? PodIp(JsonObject pod)
    {
        var status = pod["status"] as JsonObject;
        if (status?.Str("podIP") is { Length: > 0 } ip)
        {
            return ip;
        }

        return status?.Items("podIPs").Select(p => p.Item.Str("ip")).FirstOrDefault(i => !string.IsNullOrEmpty(i));
    }

    /// <summary>All the pod's IPs: status.podIPs, else status.podIP.</summary>
    public static IReadOnlyList<string> PodIps(JsonObject pod)
    {
        var status = pod["status"] as JsonObject;
        var ips = status?.Items("podIPs").Select(p => p.Item.StrOrEmpty("ip")).Where(i => i.Length > 0).ToList() ?? [];
        if (ips.Count == 0 && status?.Str("podIP") is { Length: > 0 } ip)
        {
            ips.Add(ip);
        }

        return ips;
    }

    /// <summary>
    /// The address families the Service's endpoints are listed in: spec.ipFamilies, or, when the server set none, the family
    /// of the pod's primary IP.
    /// </summary>
    public static IReadOnlyList<string> Families(JsonObject service, JsonObject pod)
    {
        var families = (service["spec"] as JsonObject)?.Strings("ipFamilies") ?? [];
        if (families.Count > 0)
        {
            return families;
        }

        return PodIp(pod) is { } ip && AddressType(ip) is { } family ? [family] : [];
    }

    /// <summary>The pod's IP of one family ("IPv4", "IPv6"), or null when it has none.</summary>
    public static string? PodIpOf(JsonObject pod, string family) => PodIps(pod).FirstOrDefault(ip => AddressType(ip) == family);

    /// <summary>"IPv4" or "IPv6", or null for something that is not an IP address.</summary>
    public static string? AddressType(string ip) => ParseIp(ip) is { } address
        ? address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4"
        : null;

    /// <summary>An IP address in its usual text forms only (dotted quad or IPv6), not the short forms .NET also accepts ("1" as 0.0.0.1).</summary>
    public static IPAddress? ParseIp(string ip) =>
        IPAddress.TryParse(ip, out var address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 ? ip.Contains(':', StringComparison.Ordinal) : ip.Count(c => c == '.') == 3)
            ? address
            : null;

    /// <summary>
    /// Kubernetes' ShouldPodBeInEndpoints: not finished (Succeeded/Failed), has an IP, and is not being deleted unless
    /// terminating pods are wanted (EndpointSlices always list them; Endpoints only with publishNotReadyAddresses).
    /// </summary>
    public static bool ShouldBeInEndpoints(JsonObject pod, bool includeTerminating) =>
        !PodFacts.IsTerminal(pod) && PodIp(pod) is not null && (includeTerminating || !pod.IsBeingDeleted());

    /// <summary>The pod's DNS hostname under this Service: spec.hostname when spec.subdomain names the Service.</summary>
    public static string? Hostname(JsonObject pod, JsonObject service)
    {
        var spec = pod["spec"] as JsonObject;
        return spec?.Str("hostname") is { Length: > 0 } hostname
               && spec.Str("subdomain") == service.GetName()
               && pod.GetNamespace() == service.GetNamespace()
            ? hostname
            : null;
    }

    public static JsonObject TargetRef(JsonObject pod) => new()
    {
        ["kind"] = "Pod",
        ["namespace"] = pod.GetNamespace(),
        ["name"] = pod.GetName(),
        ["uid"] = pod.GetUid(),
    };

    public static string Protocol(JsonObject port) => port.Str("protocol") is { Length: > 0 } p ? p : "TCP";

    /// <summary>
    /// The port a service port reaches on this pod (Kubernetes' FindPort): a numeric targetPort as is (the service port when
    /// unset), a named one looked up among the containers' (and restartable init containers') ports of the same protocol;
    /// null when the pod has no such named port, so the pod is left out for this port.
    /// </summary>
    public static int? FindPort(JsonObject pod, JsonObject servicePort)
    {
        var target = servicePort["targetPort"];
        if (target is null)
        {
            return (int?)servicePort.Long("port");
        }

        if (JsonAccess.IsNumber(target))
        {
            var number = (int?)JsonAccess.AsLong(target);
            return number is > 0 ? number : (int?)servicePort.Long("port");
        }

        var name = JsonAccess.AsString(target);
        if (string.IsNullOrEmpty(name))
        {
            return (int?)servicePort.Long("port");
        }

        var protocol = Protocol(servicePort);
        var spec = pod["spec"] as JsonObject;
        var containers = (spec?.Items("containers").Select(c => c.Item) ?? [])
            .Concat(spec?.Items("initContainers").Select(c => c.Item).Where(c => c.Str("restartPolicy") == "Always") ?? []);
        foreach (var container in containers)
        {
            foreach (var (_, port) in container.Items("ports"))
            {
                if (port.Str("name") == name && Protocol(port) == protocol && port.Long("containerPort") is { } containerPort)
                {
                    return (int)containerPort;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The endpoint ports the pod serves, one per service port that resolves on it (name, port, protocol, appProtocol),
    /// in the Service's order.
    /// </summary>
    public static JsonArray EndpointPorts(JsonObject pod, IReadOnlyList<JsonObject> servicePorts)
    {
        var ports = new JsonArray();
        foreach (var servicePort in servicePorts)
        {
            if (FindPort(pod, servicePort) is not { } number)
            {
                continue;
            }

            var port = new JsonObject();
            if (servicePort.Str("name") is { Length: > 0 } name)
            {
                port["name"] = name;
            }

            port["port"] = number;
            port["protocol"] = Protocol(servicePort);
            if (servicePort.Str("appProtocol") is { Length: > 0 } appProtocol)
            {
                port["appProtocol"] = appProtocol;
            }

            ports.Add(port);
        }

        return ports;
    }

    /// <summary>
    /// When the pod last changed in a way endpoints care about (created, became ready or not, started terminating): the
    /// value of the last-change-trigger-time annotation is the latest of these over the Service and its pods.
    /// </summary>
    public static DateTimeOffset? LastChange(JsonObject pod)
    {
        DateTimeOffset? latest = Timestamps.CreationTime(pod);
        if (PodFacts.Condition(pod, "Ready")?["lastTransitionTime"] is { } readyAt && Timestamps.Parse(readyAt) is { } ready && (latest is null || ready > latest))
        {
            latest = ready;
        }

        if (Timestamps.Parse(pod["metadata"]?["deletionTimestamp"]) is { } deleting && (latest is null || deleting > latest))
        {
            latest = deleting;
        }

        return latest;
    }

    /// <summary>The Service's labels, plus service.kubernetes.io/headless for headless Services, as Endpoints and slices carry them.</summary>
    public static JsonObject Labels(JsonObject service)
    {
        var labels = (service["metadata"]?["labels"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        if (IsHeadless(service))
        {
            labels[HeadlessLabel] = "";
        }
        else
        {
            labels.Remove(HeadlessLabel);
        }

        return labels;
    }
}
