using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.ApiServer.Objects;

namespace Capstan.ApiServer.Allocation;

/// <summary>
/// Gives new Services their ClusterIP (from the service CIDR) and NodePorts (from the node-port range), honouring requested
/// values when they are free and in range. What is in use is read from the stored Services, so deleting a Service frees its
/// addresses and a restart needs no separate allocation state; callers serialise Service creates.
/// </summary>
public sealed class ServiceAllocator
{
    private readonly IPAddress _network;
    private readonly int _prefix;
    private readonly BigInteger _size;
    private readonly string _cidr;

    public ServiceAllocator(string serviceCidr, int nodePortMin = 30000, int nodePortMax = 32767)
    {
        _cidr = serviceCidr;
        var slash = serviceCidr.IndexOf('/');
        _network = IPAddress.Parse(serviceCidr[..slash]);
        _prefix = int.Parse(serviceCidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var bits = _network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        _size = BigInteger.One << (bits - _prefix);
        NodePortMin = nodePortMin;
        NodePortMax = nodePortMax;
    }

    public int NodePortMin { get; }

    public int NodePortMax { get; }

    /// <summary>Fills in spec.clusterIP(s) and nodePorts of a new Service; errors name the field as Kubernetes does.</summary>
    public IReadOnlyList<FieldError> Allocate(JsonObject service, IEnumerable<JsonObject> existing)
    {
        var errors = new List<FieldError>();
        if (service["spec"] is not JsonObject spec)
        {
            return errors;
        }

        var type = ObjectMeta.Str(spec["type"]);
        if (type.Length == 0)
        {
            type = "ClusterIP";
        }

        var usedIps = new HashSet<string>(StringComparer.Ordinal);
        var usedPorts = new HashSet<long>();
        foreach (var other in existing)
        {
            var os = other["spec"];
            var ip = ObjectMeta.Str(os?["clusterIP"]);
            if (ip.Length > 0 && ip != "None")
            {
                usedIps.Add(Normalize(ip));
            }

            if (os?["ports"] is JsonArray ports)
            {
                foreach (var p in ports)
                {
                    if (ObjectMeta.Long(p?["nodePort"]) is long np)
                    {
                        usedPorts.Add(np);
                    }
                }
            }
        }

        if (type != "ExternalName")
        {
            var requested = ObjectMeta.Str(spec["clusterIP"]);
            if (requested.Length == 0 && spec["clusterIPs"] is JsonArray ips && ips.Count > 0)
            {
                requested = ObjectMeta.Str(ips[0]);
            }

            if (requested == "None")
            {
                spec["clusterIPs"] = new JsonArray("None");
            }
            else if (requested.Length > 0)
            {
                if (!IPAddress.TryParse(requested, out var address) || !Contains(address))
                {
                    errors.Add(FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: provided IP is not in the valid range. The range of valid IPs is {_cidr}"));
                }
                else if (usedIps.Contains(Normalize(requested)))
                {
                    errors.Add(FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: provided IP is already allocated"));
                }
                else
                {
                    SetIp(spec, address.ToString());
                }
            }
            else if (NextFreeIp(usedIps) is { } ip)
            {
                SetIp(spec, ip);
            }
            else
            {
                errors.Add(FieldError.Invalid("spec.clusterIPs", "", $"failed to allocate a serviceIP: range is full"));
            }
        }

        if (type is "NodePort" or "LoadBalancer" && spec["ports"] is JsonArray servicePorts)
        {
            var next = NodePortMin;
            for (var i = 0; i < servicePorts.Count; i++)
            {
                if (servicePorts[i] is not JsonObject port)
                {
                    continue;
                }

                if (ObjectMeta.Long(port["nodePort"]) is long wanted and not 0)
                {
                    if (wanted < NodePortMin || wanted > NodePortMax)
                    {
                        errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", wanted, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                    }
                    else if (!usedPorts.Add(wanted))
                    {
                        errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", wanted, "provided port is already allocated"));
                    }

                    continue;
                }

                while (next <= NodePortMax && usedPorts.Contains(next))
                {
                    next++;
                }

                if (next > NodePortMax)
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", 0, "range is full"));
                    continue;
                }

                port["nodePort"] = next;
                usedPorts.Add(next);
            }
        }

        return errors;
    }

    private static void SetIp(JsonObject spec, string ip)
    {
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
    }

    private string? NextFreeIp(HashSet<string> used)
    {
        // Skip the network address (offset 0) and, for IPv4, the broadcast address; the first address is the kubernetes Service's.
        var limit = BigInteger.Min(_size - 1, 1 << 20);
        for (BigInteger offset = 1; offset < limit; offset++)
        {
            var candidate = Add(_network, offset).ToString();
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private bool Contains(IPAddress address)
    {
        if (address.AddressFamily != _network.AddressFamily)
        {
            return false;
        }

        var offset = ToBig(address) - ToBig(_network);
        return offset > 0 && offset < _size - (address.AddressFamily == AddressFamily.InterNetwork ? 1 : 0);
    }

    private static string Normalize(string ip) => IPAddress.TryParse(ip, out var a) ? a.ToString() : ip;

    private static BigInteger ToBig(IPAddress a) => new(a.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private static IPAddress Add(IPAddress a, BigInteger offset)
    {
        var value = ToBig(a) + offset;
        var length = a.GetAddressBytes().Length;
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[length];
        Array.Copy(bytes, 0, padded, length - bytes.Length, bytes.Length);
        return new IPAddress(padded);
    }
}
