using System.Net;
using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Networking;

/// <summary>NetworkPolicies: port protocol TCP and policyTypes [Ingress] (plus Egress when egress rules exist) by default.</summary>
public sealed class NetworkPolicyStrategy : KindStrategy
{
    public override string Group => "networking.k8s.io";

    public override string Kind => "NetworkPolicy";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        foreach (var direction in new[] { "ingress", "egress" })
        {
            foreach (var (_, rule) in spec.Items(direction))
            {
                foreach (var (_, port) in rule.Items("ports"))
                {
                    port.SetDefault("protocol", "TCP");
                }
            }
        }

        if (!spec.HasEntries("policyTypes"))
        {
            var types = new JsonArray("Ingress");
            if (spec.HasEntries("egress"))
            {
                types.Add("Egress");
            }

            spec["policyTypes"] = types;
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        errs.AddRange(LabelSelectorValidation.Validate(spec.Obj("podSelector"), "spec.podSelector"));
        foreach (var (direction, peerKey) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            foreach (var (i, rule) in spec.Items(direction))
            {
                var path = $"spec.{direction}[{i}]";
                foreach (var (j, port) in rule.Items("ports"))
                {
                    ValidatePort(port, $"{path}.ports[{j}]", errs);
                }

                foreach (var (j, peer) in rule.Items(peerKey))
                {
                    ValidatePeer(peer, $"{path}.{peerKey}[{j}]", errs);
                }
            }
        }

        var types = spec.Strings("policyTypes");
        foreach (var type in types.Where(t => t is not ("Ingress" or "Egress")))
        {
            errs.Add(FieldError.NotSupported("spec.policyTypes", type, ["Ingress", "Egress"]));
        }

        if (types.Count > 2)
        {
            errs.Add(FieldError.Invalid("spec.policyTypes", spec["policyTypes"], "may not specify more than two policyTypes"));
        }
    }

    private static void ValidatePort(JsonObject port, string path, List<FieldError> errs)
    {
        errs.AddRange(FieldRules.OneOf(port, "protocol", path + ".protocol", false, "TCP", "UDP", "SCTP"));
        if (port["port"] is { } value)
        {
            PodSpecValidation.ValidatePortNumOrName(value, path + ".port", errs);
        }

        if (port.Long("endPort") is { } endPort)
        {
            if (JsonAccess.AsLong(port["port"]) is not { } start)
            {
                errs.Add(FieldError.Required(path + ".port", "must be specified when endPort is specified"));
            }
            else if (endPort < start)
            {
                errs.Add(FieldError.Invalid(path + ".endPort", endPort, "must be greater than or equal to `port`"));
            }
        }
    }

    private static void ValidatePeer(JsonObject peer, string path, List<FieldError> errs)
    {
        var selectors = peer.Has("podSelector") || peer.Has("namespaceSelector");
        var ipBlock = peer.Obj("ipBlock");
        if (selectors && ipBlock is not null)
        {
            errs.Add(FieldError.Forbidden(path, "may not specify both podSelector/namespaceSelector and ipBlock"));
        }
        else if (!selectors && ipBlock is null)
        {
            errs.Add(FieldError.Required(path, "must specify a peer"));
        }

        errs.AddRange(LabelSelectorValidation.Validate(peer.Obj("podSelector"), path + ".podSelector"));
        errs.AddRange(LabelSelectorValidation.Validate(peer.Obj("namespaceSelector"), path + ".namespaceSelector"));
        if (ipBlock is null)
        {
            return;
        }

        var cidr = ipBlock.StrOrEmpty("cidr");
        if (cidr.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".ipBlock.cidr"));
            return;
        }

        var cidrErrors = NetworkFormats.IsValidCidr(cidr);
        errs.AddRange(cidrErrors.Select(m => FieldError.Invalid(path + ".ipBlock.cidr", cidr, m)));
        foreach (var (except, k) in ipBlock.Strings("except").Select((e, k) => (e, k)))
        {
            var exceptPath = $"{path}.ipBlock.except[{k}]";
            var exceptErrors = NetworkFormats.IsValidCidr(except);
            errs.AddRange(exceptErrors.Select(m => FieldError.Invalid(exceptPath, except, m)));
            if (cidrErrors.Count == 0 && exceptErrors.Count == 0 && !IsStrictSubnet(except, cidr))
            {
                errs.Add(FieldError.Invalid(exceptPath, except, "must be a strict subset of `cidr`"));
            }
        }
    }

    private static bool IsStrictSubnet(string inner, string outer)
    {
        var (innerNet, innerBits) = Split(inner);
        var (outerNet, outerBits) = Split(outer);
        return innerNet.AddressFamily == outerNet.AddressFamily && innerBits > outerBits
            && new IPNetwork(outerNet, outerBits).Contains(innerNet);
    }

    private static (IPAddress Address, int Bits) Split(string cidr)
    {
        var slash = cidr.IndexOf('/');
        var bits = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return (MaskTo(IPAddress.Parse(cidr[..slash]), bits), bits);
    }

    private static IPAddress MaskTo(IPAddress address, int bits)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
