using System.Globalization;
using k8s.Models;

namespace Capstan.Agent.Env;

/// <summary>
/// The kubelet's service environment variables: for each Service with a cluster IP, <c>NAME_SERVICE_HOST</c>,
/// <c>NAME_SERVICE_PORT</c> (its first port), <c>NAME_SERVICE_PORT_PORTNAME</c> per named port, and the Docker-link
/// variables <c>NAME_PORT</c>, <c>NAME_PORT_80_TCP</c> with its <c>_PROTO</c>, <c>_PORT</c> and <c>_ADDR</c>. NAME is
/// the Service name upper-cased with '-' as '_'.
/// </summary>
public static class ServiceEnvVars
{
    /// <summary>The Service in the default namespace whose variables every pod gets, even with enableServiceLinks false.</summary>
    public const string MasterService = "kubernetes";

    /// <summary>
    /// Which Services a pod in <paramref name="ns"/> sees, as the kubelet picks them: those of its namespace with a cluster IP
    /// (only when <paramref name="enableServiceLinks"/>), and default/kubernetes unless the namespace has its own of that name.
    /// </summary>
    public static IReadOnlyList<V1Service> Select(string ns, bool enableServiceLinks, IEnumerable<V1Service> services)
    {
        var byName = new Dictionary<string, V1Service>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (!HasClusterIp(service))
            {
                continue;
            }

            var name = service.Metadata.Name;
            var serviceNs = service.Metadata.NamespaceProperty ?? "default";
            if (serviceNs == "default" && name == MasterService)
            {
                byName.TryAdd(name, service);
            }
            else if (serviceNs == ns && enableServiceLinks)
            {
                byName[name] = service;
            }
        }

        return [.. byName.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)];
    }

    /// <summary>The variables of the given Services, in order.</summary>
    public static List<KeyValuePair<string, string>> For(IEnumerable<V1Service> services)
    {
        var vars = new List<KeyValuePair<string, string>>();
        foreach (var service in services)
        {
            if (!HasClusterIp(service))
            {
                continue;
            }

            var prefix = VariableName(service.Metadata.Name);
            var ip = service.Spec.ClusterIP;
            var ports = service.Spec.Ports ?? [];
            vars.Add(new(prefix + "_SERVICE_HOST", ip));
            if (ports.Count > 0)
            {
                vars.Add(new(prefix + "_SERVICE_PORT", Str(ports[0].Port)));
            }

            foreach (var port in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
            {
                vars.Add(new(prefix + "_SERVICE_PORT_" + VariableName(port.Name), Str(port.Port)));
            }

            for (var i = 0; i < ports.Count; i++)
            {
                var port = ports[i];
                var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;
                var url = $"{protocol.ToLowerInvariant()}://{HostPort(ip, port.Port)}";
                if (i == 0)
                {
                    vars.Add(new(prefix + "_PORT", url));
                }

                var portPrefix = $"{prefix}_PORT_{Str(port.Port)}_{protocol.ToUpperInvariant()}";
                vars.Add(new(portPrefix, url));
                vars.Add(new(portPrefix + "_PROTO", protocol.ToLowerInvariant()));
                vars.Add(new(portPrefix + "_PORT", Str(port.Port)));
                vars.Add(new(portPrefix + "_ADDR", ip));
            }
        }

        return vars;
    }

    /// <summary>Services with a cluster IP: not headless (None) and not ExternalName (none at all).</summary>
    public static bool HasClusterIp(V1Service service) =>
        service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None";

    public static string VariableName(string name) => name.Replace('-', '_').ToUpperInvariant();

    private static string Str(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string HostPort(string ip, int port) =>
        ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{Str(port)}" : $"{ip}:{Str(port)}";
}
