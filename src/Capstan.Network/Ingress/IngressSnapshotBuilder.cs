using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Capstan.Client.Dynamic;
using Capstan.Network.Catalog;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Capstan.Network.Ingress;

/// <summary>
/// Turns the Ingresses of our class, the service catalog and the TLS Secrets into an <see cref="IngressSnapshot"/>: a
/// pure function of its inputs apart from a cache of parsed certificates, so it is tested without a server.
/// </summary>
public sealed class IngressSnapshotBuilder(IngressOptions options)
{
    private readonly TlsSecretCache _certificates = new();

    /// <summary>Problems of the last build (a missing Secret, a resource backend), for the log.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <param name="secret">Looks a Secret up by "namespace/name".</param>
    public IngressSnapshot Build(
        IEnumerable<JsonObject> ingresses,
        IEnumerable<JsonObject> ingressClasses,
        IReadOnlyDictionary<ServiceKey, ServiceView> services,
        Func<string, JsonObject?> secret)
    {
        var warnings = new List<string>();
        var selection = new IngressClassSelection(ingressClasses, options.ClassName);

        // The oldest Ingress wins a path two of them claim (as other controllers resolve conflicts).
        var own = ingresses
            .Where(i => selection.Owns(i) && !i.IsBeingDeleted())
            .OrderBy(i => i["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
            .ThenBy(i => i.GetKey(), StringComparer.Ordinal)
            .ToList();
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        var usedServices = new HashSet<ServiceKey>();
        var hosts = new Dictionary<string, Dictionary<(string Path, PathType Type), RouteDraft>>(StringComparer.OrdinalIgnoreCase);
        RouteTarget? defaultBackend = null;

        string? Resolve(JsonObject ingress, JsonObject? backend)
        {
            var ns = ingress.GetNamespace();
            if (backend?["service"] is not JsonObject service || service["name"]?.GetValue<string>() is not { } name)
            {
                if (backend is not null)
                {
                    warnings.Add($"ingress {ingress.GetKey()}: only service backends are supported");
                }

                return null;
            }

            var key = new ServiceKey(ns, name);
            usedServices.Add(key);
            var port = service["port"] as JsonObject;
            var number = port?["number"] is JsonValue n && n.TryGetValue<int>(out var value) ? value : 0;
            var portName = port?["name"]?.GetValue<string>();
            var view = services.GetValueOrDefault(key);
            var servicePort = view?.Ports.FirstOrDefault(p =>
                string.Equals(p.Protocol, "TCP", StringComparison.Ordinal) && (portName is null ? p.Port == number : string.Equals(p.Name, portName, StringComparison.Ordinal)));
            if (servicePort is null)
            {
                // No such service or port: the route stays, and answers 503 until it appears.
                return $"{key}:{portName ?? number.ToString(CultureInfo.InvariantCulture)}";
            }

            var clusterId = $"{key}:{servicePort.Port.ToString(CultureInfo.InvariantCulture)}";
            if (!clusters.ContainsKey(clusterId))
            {
                clusters[clusterId] = BuildCluster(clusterId, servicePort, Annotation(ingress, IngressAnnotations.HealthCheckPath), view!.CanaryWeight is not null);
            }

            return clusterId;
        }

        var canaries = new List<JsonObject>();
        foreach (var ingress in own)
        {
            if (Annotation(ingress, IngressAnnotations.CanaryWeight) is not null)
            {
                canaries.Add(ingress);
                continue;
            }

            var source = ingress.GetKey();
            if (defaultBackend is null && ingress["spec"]?["defaultBackend"] is JsonObject fallback && Resolve(ingress, fallback) is { } fallbackCluster)
            {
                defaultBackend = new RouteTarget([new WeightedBackend(fallbackCluster, 1)], source);
            }

            foreach (var (host, path, type, backend) in Paths(ingress))
            {
                if (Resolve(ingress, backend) is not { } clusterId)
                {
                    continue;
                }

                var paths = hosts.TryGetValue(host, out var existing) ? existing : hosts[host] = [];
                paths.TryAdd((path, type), new RouteDraft(clusterId, source));
            }
        }

        // A canary adds its backend, with its weight, to the primary route of the same host, path and type.
        foreach (var canary in canaries)
        {
            var weight = ParseWeight(Annotation(canary, IngressAnnotations.CanaryWeight), 0);
            var total = Math.Max(1, ParseWeight(Annotation(canary, IngressAnnotations.CanaryWeightTotal), 100));
            foreach (var (host, path, type, backend) in Paths(canary))
            {
                if (hosts.GetValueOrDefault(host)?.GetValueOrDefault((path, type)) is not { } primary)
                {
                    warnings.Add($"canary ingress {canary.GetKey()}: no primary route for {host}{path} ({type})");
                    continue;
                }

                if (Resolve(canary, backend) is { } clusterId)
                {
                    primary.Canaries.Add((clusterId, Math.Min(weight, total), total));
                }
            }
        }

        var hostRoutes = hosts.ToDictionary(
            h => h.Key,
            h => new HostRoutes(h.Value.Select(p => new PathRoute(p.Key.Path, p.Key.Type, p.Value.ToTarget()))),
            StringComparer.OrdinalIgnoreCase);

        var (certificates, usedSecrets) = Certificates(own, secret, warnings);
        Warnings = warnings;
        return new IngressSnapshot
        {
            Table = new RoutingTable(hostRoutes, defaultBackend),
            Clusters = [.. clusters.Values],
            Certificates = certificates,
            Ingresses = own,
            Services = usedServices,
            Secrets = usedSecrets,
        };
    }

    private (CertificateStore Store, HashSet<string> Used) Certificates(List<JsonObject> own, Func<string, JsonObject?> lookup, List<string> warnings)
    {
        var byHost = new Dictionary<string, System.Net.Security.SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ingress in own)
        {
            if (ingress["spec"]?["tls"] is not JsonArray tls)
            {
                continue;
            }

            foreach (var entry in tls.OfType<JsonObject>())
            {
                if (entry["secretName"]?.GetValue<string>() is not { Length: > 0 } secretName)
                {
                    continue;
                }

                var key = $"{ingress.GetNamespace()}/{secretName}";
                used.Add(key);
                var secret = lookup(key);
                if (secret is null)
                {
                    warnings.Add($"ingress {ingress.GetKey()}: TLS Secret {key} not found");
                    continue;
                }

                if (_certificates.Get(secret, out var error) is not { } certificate)
                {
                    warnings.Add($"ingress {ingress.GetKey()}: TLS Secret {key}: {error}");
                    continue;
                }

                // hosts left out means the hosts of the Ingress's own rules.
                var tlsHosts = entry["hosts"] is JsonArray listed && listed.Count > 0
                    ? listed.Select(h => h?.GetValue<string>() ?? "")
                    : Paths(ingress).Select(p => p.Host).Distinct(StringComparer.OrdinalIgnoreCase);
                foreach (var host in tlsHosts.Where(h => h.Length > 0))
                {
                    byHost.TryAdd(host, certificate);
                }
            }
        }

        _certificates.Retain(used);
        return (new CertificateStore(byHost), used);
    }

    private ClusterConfig BuildCluster(string clusterId, ServicePortView port, string? healthPath, bool canarySplit)
    {
        // A Service split by a Canary (Catalog.CanaryAnnotations) keeps only its stable pods here: the canary ones get
        // their share through the canary Ingress that routes to the canary Service, with the same weight.
        var candidates = canarySplit && port.Backends.Any(b => !b.Canary) ? [.. port.Backends.Where(b => !b.Canary)] : port.Backends;

        // Ready endpoints; while none is ready, the serving ones that are terminating (kube-proxy's fallback), so a
        // rollout's last pod keeps answering until it is gone.
        var backends = candidates.Where(b => b.Ready).ToList();
        if (backends.Count == 0)
        {
            backends = [.. candidates.Where(b => b.Serving && b.Terminating)];
        }

        var scheme = string.Equals(port.AppProtocol, "https", StringComparison.OrdinalIgnoreCase) || string.Equals(port.Name, "https", StringComparison.Ordinal) ? "https" : "http";
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        foreach (var backend in backends)
        {
            var endpoint = backend.EndPoint.ToString();
            destinations[endpoint] = new DestinationConfig { Address = $"{scheme}://{endpoint}" };
        }

        return new ClusterConfig
        {
            ClusterId = clusterId,
            LoadBalancingPolicy = "PowerOfTwoChoices",
            Destinations = destinations,
            HealthCheck = new HealthCheckConfig
            {
                AvailableDestinationsPolicy = "HealthyOrPanic",
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = options.PassiveReactivationPeriod },
                Active = healthPath is null ? null : new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.ActiveHealthInterval,
                    Timeout = TimeSpan.FromSeconds(2),
                    Policy = "ConsecutiveFailures",
                    Path = healthPath,
                },
            },

            // Plain HTTP/1.1 with pooled keep-alive connections to the pods; backends' certificates are pod-local, not verified.
            HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower },
            HttpClient = new HttpClientConfig { DangerousAcceptAnyServerCertificate = scheme == "https" },
        };
    }

    private static IEnumerable<(string Host, string Path, PathType Type, JsonObject? Backend)> Paths(JsonObject ingress)
    {
        if (ingress["spec"]?["rules"] is not JsonArray rules)
        {
            yield break;
        }

        foreach (var rule in rules.OfType<JsonObject>())
        {
            var host = (rule["host"]?.GetValue<string>() ?? "").TrimEnd('.');
            if (rule["http"]?["paths"] is not JsonArray paths)
            {
                continue;
            }

            foreach (var path in paths.OfType<JsonObject>())
            {
                var type = path["pathType"]?.GetValue<string>() == "Exact" ? PathType.Exact : PathType.Prefix;
                yield return (host, path["path"]?.GetValue<string>() is { Length: > 0 } p ? p : "/", type, path["backend"] as JsonObject);
            }
        }
    }

    private static string? Annotation(JsonObject obj, string name) => obj["metadata"]?["annotations"]?[name]?.GetValue<string>();

    private static int ParseWeight(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;

    private sealed class RouteDraft(string clusterId, string source)
    {
        public List<(string ClusterId, int Weight, int Total)> Canaries { get; } = [];

        // Worked example: canaries of 20 and 10 out of 100 leave the primary 70; canaries adding up past the total leave it 0.
        public RouteTarget ToTarget()
        {
            if (Canaries.Count == 0)
            {
                return new RouteTarget([new WeightedBackend(clusterId, 1)], source);
            }

            var total = Canaries.Max(c => c.Total);
            var primary = Math.Max(0, total - Canaries.Sum(c => c.Weight));
            return new RouteTarget([new WeightedBackend(clusterId, primary), .. Canaries.Select(c => new WeightedBackend(c.ClusterId, c.Weight))], source);
        }
    }
}
