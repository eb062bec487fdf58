using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>Services: SetDefaults_Service and ValidateService (ports, type, traffic policies, clusterIP, node ports).</summary>
public sealed class ServiceStrategy : KindStrategy
{
    public const int NodePortMin = 30000;
    public const int NodePortMax = 32767;

    private static readonly string[] Types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    public override string Group => "";

    public override string Kind => "Service";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefaultString("sessionAffinity", "None");
        if (spec.Str("sessionAffinity") == "None")
        {
            spec.Remove("sessionAffinityConfig");
        }
        else if (spec.Str("sessionAffinity") == "ClientIP" && spec.Obj("sessionAffinityConfig")?.Obj("clientIP")?.Long("timeoutSeconds") is null)
        {
            spec["sessionAffinityConfig"] = new JsonObject { ["clientIP"] = new JsonObject { ["timeoutSeconds"] = 10800 } };
        }

        spec.SetDefaultString("type", "ClusterIP");
        var type = spec.Str("type");
        foreach (var (_, port) in spec.Items("ports"))
        {
            port.SetDefaultString("protocol", "TCP");
            var target = port["targetPort"];
            if (target is null || JsonAccess.AsLong(target) == 0 || JsonAccess.AsString(target) == "")
            {
                port["targetPort"] = port["port"]?.DeepClone();
            }
        }

        if (obj.Obj("metadata")?.Obj("annotations")?.ContainsKey("service.beta.kubernetes.io/external-traffic") != true
            && type is "NodePort" or "LoadBalancer")
        {
            spec.SetDefaultString("externalTrafficPolicy", "Cluster");
        }

        if (type is "ClusterIP" or "NodePort" or "LoadBalancer")
        {
            spec.SetDefault("internalTrafficPolicy", "Cluster");

            // Set by the IP allocator in Kubernetes; a single-stack IPv4 cluster chooses these. Headless
            // services without a selector default to RequireDualStack (documented), still with the cluster's one family.
            var headlessWithoutSelector = spec.Str("clusterIP") == "None" && !spec.HasEntries("selector");
            spec.SetDefault("ipFamilyPolicy", headlessWithoutSelector ? "RequireDualStack" : "SingleStack");
            spec.SetDefault("ipFamilies", new JsonArray("IPv4"));
        }

        if (type == "LoadBalancer")
        {
            spec.SetDefault("allocateLoadBalancerNodePorts", true);
        }
    }

    /// <summary>A client that sets only clusterIP (older clients, "None" for headless) gets clusterIPs to match (NormalizeClusterIPs).</summary>
    public override void PrepareForCreate(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        if (spec.Str("clusterIP") is { Length: > 0 } clusterIP && !spec.HasEntries("clusterIPs"))
        {
            spec["clusterIPs"] = new JsonArray(clusterIP);
        }
    }

    /// <summary>
    /// Keeps what the allocators assigned when the client left it out (e.g. kubectl replace of a manifest without clusterIP),
    /// and drops what no longer applies after a type change when the client did not touch it (Kubernetes' patchAllocatedValues
    /// and dropTypeDependentFields), so that e.g. NodePort → ClusterIP needs no manual clean-up.
    /// </summary>
    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        var spec = obj.EnsureObj("spec");
        var oldSpec = old.Obj("spec") ?? new JsonObject();

        // A changed clusterIP with untouched clusterIPs means the client manages the singular field only.
        if (spec.StrOrEmpty("clusterIP") != oldSpec.StrOrEmpty("clusterIP") && JsonAccess.SameAs(spec["clusterIPs"], oldSpec["clusterIPs"]))
        {
            if (spec.Str("clusterIP") is { Length: > 0 } clusterIP)
            {
                spec["clusterIPs"] = new JsonArray(clusterIP);
            }
            else
            {
                spec.Remove("clusterIPs");
            }
        }

        PatchAllocatedValues(spec, oldSpec);
        DropTypeDependentFields(spec, oldSpec);
        if (spec.Str("type") != "LoadBalancer" && obj.Obj("status") is { } status)
        {
            status.Remove("loadBalancer");
        }
    }

    private static bool NeedsClusterIP(JsonObject spec) => spec.Str("type") != "ExternalName";

    private static bool NeedsNodePort(JsonObject spec) => spec.Str("type") is "NodePort" or "LoadBalancer";

    private static bool NeedsHealthCheckNodePort(JsonObject spec) =>
        spec.Str("type") == "LoadBalancer" && spec.Str("externalTrafficPolicy") == "Local";

    private static bool ExternallyAccessible(JsonObject spec) =>
        spec.Str("type") is "NodePort" or "LoadBalancer" || (spec.Str("type") is null or "ClusterIP" && spec.HasEntries("externalIPs"));

    private static void PatchAllocatedValues(JsonObject spec, JsonObject oldSpec)
    {
        if (NeedsClusterIP(oldSpec) && NeedsClusterIP(spec))
        {
            if (string.IsNullOrEmpty(spec.Str("clusterIP")) && oldSpec.Has("clusterIP"))
            {
                spec["clusterIP"] = oldSpec["clusterIP"]!.DeepClone();
            }

            if (!spec.HasEntries("clusterIPs") && oldSpec.HasEntries("clusterIPs"))
            {
                spec["clusterIPs"] = oldSpec["clusterIPs"]!.DeepClone();
            }
        }

        if (NeedsNodePort(oldSpec) && NeedsNodePort(spec))
        {
            var oldPorts = oldSpec.Items("ports").Select(p => p.Item).ToList();
            foreach (var (_, port) in spec.Items("ports"))
            {
                if (port.Long("nodePort") is null or 0)
                {
                    var match = oldPorts.FirstOrDefault(p => p.Long("port") == port.Long("port")
                        && (p.Str("protocol") ?? "TCP") == (port.Str("protocol") ?? "TCP"));
                    if (match?.Long("nodePort") is { } nodePort and not 0)
                    {
                        port["nodePort"] = nodePort;
                    }
                }
            }
        }

        if (NeedsHealthCheckNodePort(oldSpec) && NeedsHealthCheckNodePort(spec)
            && spec.Long("healthCheckNodePort") is null or 0 && oldSpec.Long("healthCheckNodePort") is { } hc)
        {
            spec["healthCheckNodePort"] = hc;
        }
    }

    private static void DropTypeDependentFields(JsonObject spec, JsonObject oldSpec)
    {
        bool Same(string key) => JsonAccess.SameAs(spec[key], oldSpec[key]);

        if (NeedsClusterIP(oldSpec) && !NeedsClusterIP(spec))
        {
            if (Same("clusterIP") && Same("clusterIPs"))
            {
                spec.Remove("clusterIP");
                spec.Remove("clusterIPs");
            }

            if (Same("ipFamilies"))
            {
                spec.Remove("ipFamilies");
            }

            if (Same("ipFamilyPolicy"))
            {
                spec.Remove("ipFamilyPolicy");
            }
        }

        if (NeedsNodePort(oldSpec) && !NeedsNodePort(spec))
        {
            var newPorts = spec.Items("ports").Select(p => p.Item.Long("nodePort") ?? 0).ToList();
            var oldPorts = oldSpec.Items("ports").Select(p => p.Item.Long("nodePort") ?? 0).ToList();
            if (newPorts.SequenceEqual(oldPorts))
            {
                foreach (var (_, port) in spec.Items("ports"))
                {
                    port.Remove("nodePort");
                }
            }
        }

        if (NeedsHealthCheckNodePort(oldSpec) && !NeedsHealthCheckNodePort(spec) && Same("healthCheckNodePort"))
        {
            spec.Remove("healthCheckNodePort");
        }

        if (oldSpec.Str("type") == "LoadBalancer" && spec.Str("type") != "LoadBalancer")
        {
            if (spec.Has("allocateLoadBalancerNodePorts") && Same("allocateLoadBalancerNodePorts"))
            {
                spec.Remove("allocateLoadBalancerNodePorts");
            }

            if (spec.Has("loadBalancerClass") && Same("loadBalancerClass"))
            {
                spec.Remove("loadBalancerClass");
            }
        }

        if (ExternallyAccessible(oldSpec) && !ExternallyAccessible(spec) && Same("externalTrafficPolicy"))
        {
            spec.Remove("externalTrafficPolicy");
        }
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var type = spec.StrOrEmpty("type");
        var clusterIP = spec.StrOrEmpty("clusterIP");
        var headless = clusterIP == "None";

        if (type.Length == 0)
        {
            errs.Add(FieldError.Required("spec.type"));
        }
        else if (!Types.Contains(type))
        {
            errs.Add(FieldError.NotSupported("spec.type", type, Types));
        }

        if (type == "ExternalName")
        {
            var externalName = spec.StrOrEmpty("externalName");
            if (externalName.Length == 0)
            {
                errs.Add(FieldError.Required("spec.externalName"));
            }
            else
            {
                errs.AddRange(NameFormats.IsDns1123Subdomain(externalName.TrimEnd('.')).Select(m => FieldError.Invalid("spec.externalName", externalName, m)));
            }

            if (clusterIP.Length > 0)
            {
                errs.Add(FieldError.Forbidden("spec.clusterIP", "may not be set for ExternalName services"));
            }
        }
        else if (clusterIP.Length > 0 && !headless && !NetworkFormats.IsIP(clusterIP))
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", clusterIP, "must be empty, 'None', or a valid IP address"));
        }

        if (headless && type != "ClusterIP" && type.Length > 0)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", clusterIP, "may only be set to 'None' for ClusterIP type"));
        }

        ValidatePorts(spec, type, headless, errs);

        errs.AddRange(ObjectMetaValidation.ValidateLabels(spec.Obj("selector"), "spec.selector"));
        errs.AddRange(FieldRules.OneOf(spec, "sessionAffinity", "spec.sessionAffinity", true, "ClientIP", "None"));
        if (spec.Str("sessionAffinity") == "ClientIP"
            && spec.Obj("sessionAffinityConfig")?.Obj("clientIP")?.Long("timeoutSeconds") is { } timeout && (timeout <= 0 || timeout > 86400))
        {
            errs.Add(FieldError.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
        }

        var externallyAccessible = type is "NodePort" or "LoadBalancer" || (type == "ClusterIP" && spec.HasEntries("externalIPs"));
        if (!externallyAccessible)
        {
            if (spec.Str("externalTrafficPolicy") is { Length: > 0 } etp)
            {
                errs.Add(FieldError.Invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"));
            }
        }
        else if (type != "ClusterIP" || spec.Has("externalTrafficPolicy"))
        {
            errs.AddRange(FieldRules.OneOf(spec, "externalTrafficPolicy", "spec.externalTrafficPolicy", type != "ClusterIP", "Cluster", "Local"));
        }

        if (type != "ExternalName")
        {
            errs.AddRange(FieldRules.OneOf(spec, "internalTrafficPolicy", "spec.internalTrafficPolicy", true, "Cluster", "Local"));
            errs.AddRange(FieldRules.OneOf(spec, "ipFamilyPolicy", "spec.ipFamilyPolicy", false, "SingleStack", "PreferDualStack", "RequireDualStack"));
            foreach (var family in spec.Strings("ipFamilies").Where(f => f is not ("IPv4" or "IPv6")))
            {
                errs.Add(FieldError.NotSupported("spec.ipFamilies", family, ["IPv4", "IPv6"]));
            }
        }

        if (type == "LoadBalancer")
        {
            if (!spec.Has("allocateLoadBalancerNodePorts"))
            {
                errs.Add(FieldError.Required("spec.allocateLoadBalancerNodePorts"));
            }
        }
        else if (spec.Has("allocateLoadBalancerNodePorts"))
        {
            errs.Add(FieldError.Forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"));
        }

        if (spec.Long("healthCheckNodePort") is { } healthCheck and not 0
            && !(type == "LoadBalancer" && spec.Str("externalTrafficPolicy") == "Local"))
        {
            errs.Add(FieldError.Invalid("spec.healthCheckNodePort", healthCheck, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
        }

        foreach (var (i, ip) in (spec.Arr("externalIPs") ?? []).Select((n, i) => (i, JsonAccess.AsString(n) ?? "")))
        {
            errs.AddRange(NetworkFormats.IsValidIP(ip).Select(m => FieldError.Invalid($"spec.externalIPs[{i}]", ip, m)));
        }
    }

    private static void ValidatePorts(JsonObject spec, string type, bool headless, List<FieldError> errs)
    {
        var ports = spec.Items("ports").ToList();
        if (ports.Count == 0 && !headless && type != "ExternalName")
        {
            errs.Add(FieldError.Required("spec.ports"));
        }

        var requireName = ports.Count > 1;
        var names = new HashSet<string>();
        var keys = new HashSet<(long, string)>();
        var nodePorts = new HashSet<(long, string)>();
        foreach (var (i, port) in ports)
        {
            var pPath = $"spec.ports[{i}]";
            var name = port.StrOrEmpty("name");
            if (requireName && name.Length == 0)
            {
                errs.Add(FieldError.Required(pPath + ".name"));
            }
            else if (name.Length > 0)
            {
                errs.AddRange(NameFormats.IsDns1123Label(name).Select(m => FieldError.Invalid(pPath + ".name", name, m)));
                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate(pPath + ".name", name));
                }
            }

            var number = port.Long("port") ?? 0;
            errs.AddRange(NetworkFormats.IsValidPortNum(number).Select(m => FieldError.Invalid(pPath + ".port", number, m)));
            var protocol = port.StrOrEmpty("protocol");
            if (protocol.Length == 0)
            {
                errs.Add(FieldError.Required(pPath + ".protocol"));
            }
            else if (!Protocols.Contains(protocol))
            {
                errs.Add(FieldError.NotSupported(pPath + ".protocol", protocol, Protocols));
            }

            PodSpecValidation.ValidatePortNumOrName(port["targetPort"], pPath + ".targetPort", errs);

            if (port.Long("nodePort") is { } nodePort and not 0)
            {
                if (type is "ClusterIP" or "ExternalName")
                {
                    errs.Add(FieldError.Forbidden(pPath + ".nodePort", $"may not be used when `type` is '{type}'"));
                }
                else if (nodePort < NodePortMin || nodePort > NodePortMax)
                {
                    errs.Add(FieldError.Invalid(pPath + ".nodePort", nodePort,
                        $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                }
                else if (!nodePorts.Add((nodePort, protocol)))
                {
                    errs.Add(FieldError.Duplicate(pPath + ".nodePort", nodePort));
                }
            }

            if (!keys.Add((number, protocol)))
            {
                errs.Add(FieldError.Duplicate(pPath, new JsonObject { ["port"] = number, ["protocol"] = protocol }));
            }
        }
    }

    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();

        // An allocated clusterIP stays unless the service changes to or from ExternalName.
        if (spec.Str("type") != "ExternalName" && oldSpec.Str("type") != "ExternalName"
            && oldSpec.Str("clusterIP") is { Length: > 0 } oldIP && spec.StrOrEmpty("clusterIP") != oldIP)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", spec.StrOrEmpty("clusterIP"), "may not change once set"));
        }
    }
}
