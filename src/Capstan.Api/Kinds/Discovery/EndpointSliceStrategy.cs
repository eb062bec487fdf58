using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Discovery;

/// <summary>discovery.k8s.io/v1 EndpointSlices: an immutable addressType and addresses of that type.</summary>
public sealed class EndpointSliceStrategy : KindStrategy
{
    public const int MaxEndpoints = 1000;
    public const int MaxAddresses = 100;
    public const int MaxPorts = 20000;

    private static readonly string[] AddressTypes = ["IPv4", "IPv6", "FQDN"];

    public override string Group => "discovery.k8s.io";

    public override string Kind => "EndpointSlice";

    public override void Default(JsonObject obj)
    {
        foreach (var (_, port) in obj.Items("ports"))
        {
            port.SetDefault("name", "");
            port.SetDefault("protocol", "TCP");
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var addressType = obj.StrOrEmpty("addressType");
        if (addressType.Length == 0)
        {
            errs.Add(FieldError.Required("addressType"));
        }
        else if (!AddressTypes.Contains(addressType))
        {
            errs.Add(FieldError.NotSupported("addressType", addressType, AddressTypes));
        }

        var endpoints = obj.Items("endpoints").ToList();
        if (endpoints.Count > MaxEndpoints)
        {
            errs.Add(FieldError.TooMany("endpoints", endpoints.Count, MaxEndpoints));
        }

        foreach (var (i, endpoint) in endpoints)
        {
            var path = $"endpoints[{i}]";
            var addresses = endpoint.Strings("addresses");
            if (addresses.Count == 0)
            {
                errs.Add(FieldError.Required(path + ".addresses", "must contain at least 1 address"));
            }
            else if (addresses.Count > MaxAddresses)
            {
                errs.Add(FieldError.TooMany(path + ".addresses", addresses.Count, MaxAddresses));
            }

            foreach (var (address, j) in addresses.Select((a, j) => (a, j)))
            {
                var aPath = $"{path}.addresses[{j}]";
                switch (addressType)
                {
                    case "IPv4" when !NetworkFormats.IsIPv4(address):
                        errs.Add(FieldError.Invalid(aPath, address, "must be a valid IPv4 address"));
                        break;
                    case "IPv6" when !NetworkFormats.IsIPv6(address):
                        errs.Add(FieldError.Invalid(aPath, address, "must be a valid IPv6 address"));
                        break;
                    case "FQDN":
                        errs.AddRange(NameFormats.IsDns1123Subdomain(address).Select(m => FieldError.Invalid(aPath, address, m)));
                        break;
                }
            }

            if (endpoint.Str("nodeName") is { Length: > 0 } nodeName)
            {
                errs.AddRange(NameFormats.IsDns1123Subdomain(nodeName).Select(m => FieldError.Invalid(path + ".nodeName", nodeName, m)));
            }

            if (endpoint.Str("hostname") is { Length: > 0 } hostname)
            {
                errs.AddRange(NameFormats.IsDns1123Label(hostname).Select(m => FieldError.Invalid(path + ".hostname", hostname, m)));
            }
        }

        var ports = obj.Items("ports").ToList();
        if (ports.Count > MaxPorts)
        {
            errs.Add(FieldError.TooMany("ports", ports.Count, MaxPorts));
        }

        var names = new HashSet<string>();
        foreach (var (i, port) in ports)
        {
            var path = $"ports[{i}]";
            var name = port.StrOrEmpty("name");
            if (name.Length > 0)
            {
                errs.AddRange(NameFormats.IsDns1123Label(name).Select(m => FieldError.Invalid(path + ".name", name, m)));
            }

            if (!names.Add(name))
            {
                errs.Add(FieldError.Duplicate(path + ".name", name));
            }

            errs.AddRange(FieldRules.OneOf(port, "protocol", path + ".protocol", true, "TCP", "UDP", "SCTP"));
            if (port.Long("port") is { } number)
            {
                errs.AddRange(NetworkFormats.IsValidPortNum(number).Select(m => FieldError.Invalid(path + ".port", number, m)));
            }

            if (port.Str("appProtocol") is { Length: > 0 } appProtocol)
            {
                errs.AddRange(NameFormats.IsQualifiedName(appProtocol).Select(m => FieldError.Invalid(path + ".appProtocol", appProtocol, m)));
            }
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        errs.AddRange(FieldRules.Immutable(obj, old, "addressType", "addressType"));
}
