using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

public sealed class EndpointsStrategy : KindStrategy
{
    public override string Group => "";

    public override string Kind => "Endpoints";

    public override void Default(JsonObject obj)
    {
        foreach (var (_, subset) in obj.Items("subsets"))
        {
            foreach (var (_, port) in subset.Items("ports"))
            {
                port.SetDefaultString("protocol", "TCP");
            }
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        foreach (var (i, subset) in obj.Items("subsets"))
        {
            var path = $"subsets[{i}]";
            if (!subset.HasEntries("addresses") && !subset.HasEntries("notReadyAddresses"))
            {
                errs.Add(FieldError.Required(path, "must specify `addresses` or `notReadyAddresses`"));
            }

            foreach (var key in new[] { "addresses", "notReadyAddresses" })
            {
                foreach (var (j, address) in subset.Items(key))
                {
                    var ip = address.StrOrEmpty("ip");
                    errs.AddRange(NetworkFormats.IsValidIP(ip).Select(m => FieldError.Invalid($"{path}.{key}[{j}].ip", ip, m)));
                    if (address.Str("hostname") is { Length: > 0 } hostname)
                    {
                        errs.AddRange(NameFormats.IsDns1123Label(hostname).Select(m => FieldError.Invalid($"{path}.{key}[{j}].hostname", hostname, m)));
                    }
                }
            }

            var requireName = subset.Items("ports").Count() > 1;
            foreach (var (j, port) in subset.Items("ports"))
            {
                var pPath = $"{path}.ports[{j}]";
                var name = port.StrOrEmpty("name");
                if (requireName && name.Length == 0)
                {
                    errs.Add(FieldError.Required(pPath + ".name"));
                }
                else if (name.Length > 0)
                {
                    errs.AddRange(NameFormats.IsDns1123Label(name).Select(m => FieldError.Invalid(pPath + ".name", name, m)));
                }

                var number = port.Long("port") ?? 0;
                errs.AddRange(NetworkFormats.IsValidPortNum(number).Select(m => FieldError.Invalid(pPath + ".port", number, m)));
                errs.AddRange(FieldRules.OneOf(port, "protocol", pPath + ".protocol", true, "TCP", "UDP", "SCTP"));
            }
        }
    }
}
