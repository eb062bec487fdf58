using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Networking;

/// <summary>networking.k8s.io/v1 Ingresses: rules, paths with a required pathType, backends and TLS (ValidateIngressSpec).</summary>
public sealed class IngressStrategy : KindStrategy
{
    private static readonly string[] PathTypes = ["Exact", "Prefix", "ImplementationSpecific"];
    private static readonly string[] InvalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"];
    private static readonly string[] InvalidPathSuffixes = ["/..", "/."];

    public override string Group => "networking.k8s.io";

    public override string Kind => "Ingress";

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (!spec.HasEntries("rules") && !spec.Has("defaultBackend"))
        {
            errs.Add(FieldError.Invalid("spec", spec.DeepClone(), "either `defaultBackend` or `rules` must be specified"));
        }

        if (spec.Obj("defaultBackend") is { } defaultBackend)
        {
            ValidateBackend(defaultBackend, "spec.defaultBackend", errs);
        }

        if (spec.Str("ingressClassName") is { } className)
        {
            errs.AddRange(NameFormats.IsDns1123Subdomain(className).Select(m => FieldError.Invalid("spec.ingressClassName", className, m)));
        }

        foreach (var (i, rule) in spec.Items("rules"))
        {
            var path = $"spec.rules[{i}]";
            if (rule.Str("host") is { Length: > 0 } host)
            {
                ValidateHost(host, path + ".host", errs);
            }

            if (rule.Obj("http") is not { } http)
            {
                continue;
            }

            if (!http.HasEntries("paths"))
            {
                errs.Add(FieldError.Required(path + ".http.paths"));
            }

            foreach (var (j, httpPath) in http.Items("paths"))
            {
                var pPath = $"{path}.http.paths[{j}]";
                var value = httpPath.StrOrEmpty("path");
                var pathType = httpPath.Str("pathType");
                if (pathType is null)
                {
                    errs.Add(FieldError.Required(pPath + ".pathType", "pathType must be specified"));
                }
                else if (!PathTypes.Contains(pathType))
                {
                    errs.Add(FieldError.NotSupported(pPath + ".pathType", pathType, PathTypes));
                }
                else if (pathType is "Exact" or "Prefix" || value.Length > 0)
                {
                    if (!value.StartsWith('/'))
                    {
                        errs.Add(FieldError.Invalid(pPath + ".path", value, "must be an absolute path"));
                    }
                    else if (pathType is "Exact" or "Prefix")
                    {
                        foreach (var bad in InvalidPathSequences.Where(s => value.Contains(s, StringComparison.Ordinal)))
                        {
                            errs.Add(FieldError.Invalid(pPath + ".path", value, $"must not contain '{bad}'"));
                        }

                        foreach (var bad in InvalidPathSuffixes.Where(s => value.EndsWith(s, StringComparison.Ordinal)))
                        {
                            errs.Add(FieldError.Invalid(pPath + ".path", value, $"cannot end with '{bad}'"));
                        }
                    }
                }

                if (httpPath.Obj("backend") is { } backend)
                {
                    ValidateBackend(backend, pPath + ".backend", errs);
                }
                else
                {
                    errs.Add(FieldError.Required(pPath + ".backend"));
                }
            }
        }

        foreach (var (i, tls) in spec.Items("tls"))
        {
            foreach (var (host, j) in tls.Strings("hosts").Select((h, j) => (h, j)))
            {
                ValidateHost(host, $"spec.tls[{i}].hosts[{j}]", errs);
            }

            if (tls.Str("secretName") is { Length: > 0 } secretName)
            {
                errs.AddRange(NameFormats.IsDns1123Subdomain(secretName).Select(m => FieldError.Invalid($"spec.tls[{i}].secretName", secretName, m)));
            }
        }
    }

    private static void ValidateHost(string host, string path, List<FieldError> errs)
    {
        if (NetworkFormats.IsIP(host))
        {
            errs.Add(FieldError.Invalid(path, host, "must be a DNS name, not an IP address"));
            return;
        }

        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            var rest = host[2..];
            if (NameFormats.IsDns1123Subdomain(rest).Count > 0 || rest.Length + 2 > NameFormats.Dns1123SubdomainMaxLength)
            {
                errs.Add(FieldError.Invalid(path, host,
                    NameFormats.RegexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
                        "\\*\\." + NameFormats.Dns1123SubdomainFmt, "*.example.com")));
            }

            return;
        }

        errs.AddRange(NameFormats.IsDns1123Subdomain(host).Select(m => FieldError.Invalid(path, host, m)));
    }

    private static void ValidateBackend(JsonObject backend, string path, List<FieldError> errs)
    {
        var service = backend.Obj("service");
        var resource = backend.Obj("resource");
        if (service is not null && resource is not null)
        {
            errs.Add(FieldError.Invalid(path, "", "cannot set both resource and service backends"));
            return;
        }

        if (resource is not null)
        {
            foreach (var field in new[] { "kind", "name" })
            {
                if (resource.StrOrEmpty(field).Length == 0)
                {
                    errs.Add(FieldError.Required($"{path}.resource.{field}"));
                }
            }

            return;
        }

        // Kubernetes accepts a backend with neither (it routes nowhere).
        if (service is null)
        {
            return;
        }

        var name = service.StrOrEmpty("name");
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".service.name"));
        }
        else
        {
            errs.AddRange(NameFormats.IsDns1035Label(name).Select(m => FieldError.Invalid(path + ".service.name", name, m)));
        }

        var port = service.Obj("port") ?? new JsonObject();
        var portName = port.StrOrEmpty("name");
        var portNumber = port.Long("number") ?? 0;
        if (portName.Length > 0 && portNumber != 0)
        {
            errs.Add(FieldError.Invalid(path + ".service.port", "", "cannot set both port name & port number"));
        }
        else if (portName.Length > 0)
        {
            errs.AddRange(NetworkFormats.IsValidPortName(portName).Select(m => FieldError.Invalid(path + ".service.port.name", portName, m)));
        }
        else if (portNumber != 0)
        {
            errs.AddRange(NetworkFormats.IsValidPortNum(portNumber).Select(m => FieldError.Invalid(path + ".service.port.number", portNumber, m)));
        }
        else
        {
            errs.Add(FieldError.Required(path + ".service.port", "port name or number is required"));
        }
    }
}
