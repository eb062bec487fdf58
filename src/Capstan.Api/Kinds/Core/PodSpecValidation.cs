using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>
/// Kubernetes' ValidatePodSpec, to a reasonable depth: containers (names, images, ports, resources, probes, env, mounts),
/// volumes, policies, tolerations and the scheduling fields. Used for Pods and pod templates.
/// </summary>
public static class PodSpecValidation
{
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>Validates a pod template: its labels and annotations, then its spec.</summary>
    public static IEnumerable<FieldError> ValidateTemplate(JsonObject? template, string path)
    {
        if (template is null)
        {
            return [FieldError.Required(path)];
        }

        var errs = ObjectMetaValidation.ValidateTemplateMeta(template.Obj("metadata"), path + ".metadata").ToList();
        var spec = template.Obj("spec");
        errs.AddRange(Validate(spec ?? new JsonObject(), path + ".spec"));
        if (spec?.HasEntries("ephemeralContainers") == true)
        {
            errs.Add(FieldError.Forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"));
        }

        return errs;
    }

    public static IEnumerable<FieldError> Validate(JsonObject spec, string path)
    {
        var errs = new List<FieldError>();
        var volumes = ValidateVolumes(spec, path + ".volumes", errs);
        var hostNetwork = spec.Bool("hostNetwork") == true;
        var names = new HashSet<string>();

        if (!spec.HasEntries("containers"))
        {
            errs.Add(FieldError.Required(path + ".containers"));
        }

        foreach (var (i, container) in spec.Items("initContainers"))
        {
            var cPath = $"{path}.initContainers[{i}]";
            ValidateContainer(container, cPath, volumes, names, errs, hostNetwork);
            var restart = container.Str("restartPolicy");
            var sidecar = restart == "Always";
            if (restart is not null && !sidecar)
            {
                errs.Add(FieldError.NotSupported(cPath + ".restartPolicy", restart, ["Always"]));
            }

            if (!sidecar)
            {
                foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    if (container.Has(probe))
                    {
                        errs.Add(FieldError.Forbidden($"{cPath}.{probe}", "may not be set for init containers without restartPolicy=Always"));
                    }
                }

                if (container.Has("lifecycle"))
                {
                    errs.Add(FieldError.Forbidden(cPath + ".lifecycle", "may not be set for init containers without restartPolicy=Always"));
                }
            }
        }

        foreach (var (i, container) in spec.Items("containers"))
        {
            var cPath = $"{path}.containers[{i}]";
            ValidateContainer(container, cPath, volumes, names, errs, hostNetwork);
            if (container.Has("restartPolicy"))
            {
                errs.Add(FieldError.Forbidden(cPath + ".restartPolicy", "may not be set for non-init containers"));
            }
        }

        errs.AddRange(FieldRules.OneOf(spec, "restartPolicy", path + ".restartPolicy", true, RestartPolicies));
        errs.AddRange(FieldRules.OneOf(spec, "dnsPolicy", path + ".dnsPolicy", true, DnsPolicies));
        ValidateDnsConfig(spec, path + ".dnsConfig", errs);
        ValidateHostPortConflicts(spec, path, errs);

        errs.AddRange(FieldRules.InRange(spec, "activeDeadlineSeconds", path + ".activeDeadlineSeconds", 1, int.MaxValue));
        errs.AddRange(ObjectMetaValidation.ValidateLabels(spec.Obj("nodeSelector"), path + ".nodeSelector"));

        foreach (var key in new[] { "hostname", "subdomain" })
        {
            if (spec.Str(key) is { Length: > 0 } value)
            {
                errs.AddRange(NameFormats.IsDns1123Label(value).Select(m => FieldError.Invalid($"{path}.{key}", value, m)));
            }
        }

        foreach (var key in new[] { "serviceAccountName", "priorityClassName", "nodeName" })
        {
            if (spec.Str(key) is { Length: > 0 } value)
            {
                errs.AddRange(NameFormats.IsDns1123Subdomain(value).Select(m => FieldError.Invalid($"{path}.{key}", value, m)));
            }
        }

        ValidateTolerations(spec, path + ".tolerations", errs);
        ValidateTopologySpread(spec, path + ".topologySpreadConstraints", errs);
        AffinityValidation.Validate(spec.Obj("affinity"), path + ".affinity", errs);
        if (spec.Obj("os") is { } os)
        {
            errs.AddRange(FieldRules.OneOf(os, "name", path + ".os.name", true, "linux", "windows"));
        }
        foreach (var (i, secretRef) in spec.Items("imagePullSecrets"))
        {
            if (secretRef.StrOrEmpty("name").Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.imagePullSecrets[{i}].name"));
            }
        }

        return errs;
    }

    public const int MaxDnsNameservers = 3;
    public const int MaxDnsSearchPaths = 32;
    public const int MaxDnsSearchListChars = 2048;

    private static void ValidateDnsConfig(JsonObject spec, string path, List<FieldError> errs)
    {
        var config = spec.Obj("dnsConfig");
        if (spec.Str("dnsPolicy") == "None")
        {
            if (config is null)
            {
                errs.Add(FieldError.Required(path, "must provide `dnsConfig` when `dnsPolicy` is None"));
                return;
            }

            if (!config.HasEntries("nameservers"))
            {
                errs.Add(FieldError.Required(path + ".nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"));
                return;
            }
        }

        if (config is null)
        {
            return;
        }

        var nameservers = config.Strings("nameservers");
        if (nameservers.Count > MaxDnsNameservers)
        {
            errs.Add(FieldError.Invalid(path + ".nameservers", config["nameservers"], $"must not have more than {MaxDnsNameservers} nameservers"));
        }

        foreach (var (ns, i) in nameservers.Select((n, i) => (n, i)))
        {
            if (!NetworkFormats.IsIP(ns))
            {
                errs.Add(FieldError.Invalid($"{path}.nameservers[{i}]", ns, "must be valid IP address"));
            }
        }

        var searches = config.Strings("searches");
        if (searches.Count > MaxDnsSearchPaths)
        {
            errs.Add(FieldError.Invalid(path + ".searches", config["searches"], $"must not have more than {MaxDnsSearchPaths} search paths"));
        }

        if (string.Join(' ', searches).Length > MaxDnsSearchListChars)
        {
            errs.Add(FieldError.Invalid(path + ".searches", config["searches"], $"must not have more than {MaxDnsSearchListChars} characters (including spaces) in the search list"));
        }

        foreach (var (search, i) in searches.Select((s, i) => (s, i)))
        {
            // A trailing dot marks a fully qualified search domain.
            var name = search.EndsWith('.') && search.Length > 1 ? search[..^1] : search;
            errs.AddRange(NameFormats.IsDns1123Subdomain(name).Select(m => FieldError.Invalid($"{path}.searches[{i}]", search, m)));
        }

        foreach (var (i, option) in config.Items("options"))
        {
            if (option.StrOrEmpty("name").Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.options[{i}]", "must not be empty"));
            }
        }
    }

    /// <summary>No two containers may claim the same protocol/hostIP/hostPort.</summary>
    private static void ValidateHostPortConflicts(JsonObject spec, string path, List<FieldError> errs)
    {
        var seen = new HashSet<string>();
        foreach (var key in new[] { "containers", "initContainers" })
        {
            foreach (var (i, container) in spec.Items(key))
            {
                foreach (var (j, port) in container.Items("ports"))
                {
                    if (port.Long("hostPort") is not { } hostPort || hostPort == 0)
                    {
                        continue;
                    }

                    var id = $"{port.StrOrEmpty("protocol")}/{port.StrOrEmpty("hostIP")}/{hostPort}";
                    if (!seen.Add(id))
                    {
                        errs.Add(FieldError.Duplicate($"{path}.{key}[{i}].ports[{j}].hostPort", id));
                    }
                }
            }
        }
    }

    private static HashSet<string> ValidateVolumes(JsonObject spec, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>();
        foreach (var (i, volume) in spec.Items("volumes"))
        {
            var vPath = $"{path}[{i}]";
            var name = volume.StrOrEmpty("name");
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required(vPath + ".name"));
            }
            else
            {
                errs.AddRange(NameFormats.IsDns1123Label(name).Select(m => FieldError.Invalid(vPath + ".name", name, m)));
                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate(vPath + ".name", name));
                }
            }

            var sources = PodSpecDefaults.VolumeSources.Where(volume.Has).ToArray();
            if (sources.Length == 0)
            {
                errs.Add(FieldError.Required(vPath, "must specify a volume type"));
            }
            else if (sources.Length > 1)
            {
                errs.Add(FieldError.Forbidden($"{vPath}.{sources[1]}", "may not specify more than 1 volume type"));
            }

            ValidateVolumeSource(volume, vPath, errs);
        }

        return names;
    }

    private static void ValidateVolumeSource(JsonObject volume, string path, List<FieldError> errs)
    {
        void Require(JsonObject? source, string sourceKey, string field)
        {
            if (source is not null && source.StrOrEmpty(field).Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.{sourceKey}.{field}"));
            }
        }

        Require(volume.Obj("hostPath"), "hostPath", "path");
        Require(volume.Obj("secret"), "secret", "secretName");
        Require(volume.Obj("configMap"), "configMap", "name");
        Require(volume.Obj("persistentVolumeClaim"), "persistentVolumeClaim", "claimName");
        Require(volume.Obj("nfs"), "nfs", "server");
        Require(volume.Obj("nfs"), "nfs", "path");
        Require(volume.Obj("csi"), "csi", "driver");
        Require(volume.Obj("image"), "image", "reference");

        if (volume.Obj("hostPath") is { } hostPath)
        {
            errs.AddRange(FieldRules.OneOf(hostPath, "type", path + ".hostPath.type", false,
                "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"));
        }

        if (volume.Obj("emptyDir") is { } emptyDir)
        {
            errs.AddRange(FieldRules.OneOf(emptyDir, "medium", path + ".emptyDir.medium", false, "", "Memory", "HugePages"));
            if (emptyDir["sizeLimit"] is { } limit && !ResourceListValidation.TryGetQuantity(limit, out _))
            {
                errs.Add(FieldError.Invalid(path + ".emptyDir.sizeLimit", FieldRules.ValueForMessage(limit), Quantity.FormatError));
            }
        }

        foreach (var key in new[] { "secret", "configMap", "downwardAPI", "projected" })
        {
            if (volume.Obj(key) is not { } source)
            {
                continue;
            }

            if (source.Long("defaultMode") is { } mode && (mode < 0 || mode > 511))
            {
                errs.Add(FieldError.Invalid($"{path}.{key}.defaultMode", mode, "must be a number between 0 and 0777 (octal), both inclusive"));
            }

            foreach (var (j, item) in source.Items("items"))
            {
                var itemPath = $"{path}.{key}.items[{j}]";
                if (key is "secret" or "configMap" && item.StrOrEmpty("key").Length == 0)
                {
                    errs.Add(FieldError.Required(itemPath + ".key"));
                }

                ValidateLocalPath(item.StrOrEmpty("path"), itemPath + ".path", errs, required: true);
                if (item.Long("mode") is { } itemMode && (itemMode < 0 || itemMode > 511))
                {
                    errs.Add(FieldError.Invalid(itemPath + ".mode", itemMode, "must be a number between 0 and 0777 (octal), both inclusive"));
                }
            }
        }
    }

    private static void ValidateLocalPath(string value, string path, List<FieldError> errs, bool required)
    {
        if (value.Length == 0)
        {
            if (required)
            {
                errs.Add(FieldError.Required(path));
            }

            return;
        }

        if (value.StartsWith('/'))
        {
            errs.Add(FieldError.Invalid(path, value, "must be a relative path"));
        }

        if (value.Split('/').Contains(".."))
        {
            errs.Add(FieldError.Invalid(path, value, "must not contain '..'"));
        }
    }

    private static void ValidateContainer(JsonObject container, string path, HashSet<string> volumes, HashSet<string> names, List<FieldError> errs, bool hostNetwork)
    {
        var name = container.StrOrEmpty("name");
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".name"));
        }
        else
        {
            errs.AddRange(NameFormats.IsDns1123Label(name).Select(m => FieldError.Invalid(path + ".name", name, m)));
            if (!names.Add(name))
            {
                errs.Add(FieldError.Duplicate(path + ".name", name));
            }
        }

        var image = container.StrOrEmpty("image");
        if (image.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".image"));
        }
        else if (image.Trim().Length != image.Length)
        {
            errs.Add(FieldError.Invalid(path + ".image", image, "must not have leading or trailing whitespace"));
        }

        errs.AddRange(FieldRules.OneOf(container, "imagePullPolicy", path + ".imagePullPolicy", true, PullPolicies));
        switch (container.StrOrEmpty("terminationMessagePolicy"))
        {
            case "File" or "FallbackToLogsOnError":
                break;
            case "":
                errs.Add(FieldError.Required(path + ".terminationMessagePolicy", "must be 'File' or 'FallbackToLogsOnError'"));
                break;
            case var policy:
                errs.Add(FieldError.Invalid(path + ".terminationMessagePolicy", policy, "must be 'File' or 'FallbackToLogsOnError'"));
                break;
        }

        ValidatePorts(container, path + ".ports", errs, hostNetwork);
        ValidateEnv(container, path + ".env", errs);
        ValidateEnvFrom(container, path + ".envFrom", errs);
        ValidateResources(container.Obj("resources"), path + ".resources", errs);
        ValidateMounts(container, path + ".volumeMounts", volumes, errs);

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container.Obj(probe) is { } p)
            {
                ValidateProbe(p, $"{path}.{probe}", errs, mustSucceedOnce: probe != "readinessProbe");
            }
        }

        if (container.Obj("lifecycle") is { } lifecycle)
        {
            foreach (var hook in new[] { "postStart", "preStop" })
            {
                if (lifecycle.Obj(hook) is { } handler)
                {
                    ValidateHandler(handler, $"{path}.lifecycle.{hook}", errs, ["exec", "httpGet", "tcpSocket", "sleep"]);
                }
            }
        }
    }

    private static void ValidatePorts(JsonObject container, string path, List<FieldError> errs, bool hostNetwork)
    {
        var names = new HashSet<string>();
        foreach (var (i, port) in container.Items("ports"))
        {
            var pPath = $"{path}[{i}]";
            if (port.Str("name") is { Length: > 0 } portName)
            {
                errs.AddRange(NetworkFormats.IsValidPortName(portName).Select(m => FieldError.Invalid(pPath + ".name", portName, m)));
                if (!names.Add(portName))
                {
                    errs.Add(FieldError.Duplicate(pPath + ".name", portName));
                }
            }

            var containerPort = port.Long("containerPort") ?? 0;
            if (containerPort == 0)
            {
                errs.Add(FieldError.Required(pPath + ".containerPort"));
            }
            else
            {
                errs.AddRange(NetworkFormats.IsValidPortNum(containerPort).Select(m => FieldError.Invalid(pPath + ".containerPort", containerPort, m)));
            }

            if (port.Long("hostPort") is { } hostPort and not 0)
            {
                errs.AddRange(NetworkFormats.IsValidPortNum(hostPort).Select(m => FieldError.Invalid(pPath + ".hostPort", hostPort, m)));
                if (hostNetwork && hostPort != containerPort)
                {
                    errs.Add(FieldError.Invalid(pPath + ".hostPort", hostPort, "must match `containerPort` when `hostNetwork` is true"));
                }
            }

            errs.AddRange(FieldRules.OneOf(port, "protocol", pPath + ".protocol", true, Protocols));
        }
    }

    private static void ValidateEnv(JsonObject container, string path, List<FieldError> errs)
    {
        foreach (var (i, env) in container.Items("env"))
        {
            var ePath = $"{path}[{i}]";
            var name = env.StrOrEmpty("name");
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required(ePath + ".name"));
            }
            else
            {
                errs.AddRange(NameFormats.IsEnvVarName(name).Select(m => FieldError.Invalid(ePath + ".name", name, m)));
            }

            if (env.Obj("valueFrom") is not { } from)
            {
                continue;
            }

            var sources = new[] { "fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef" }.Where(from.Has).ToArray();
            if (env.StrOrEmpty("value").Length > 0 && sources.Length > 0)
            {
                errs.Add(FieldError.Invalid(ePath + ".valueFrom", "", "may not be specified when `value` is not empty"));
            }

            if (sources.Length == 0)
            {
                errs.Add(FieldError.Invalid(ePath + ".valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
            }
            else if (sources.Length > 1)
            {
                errs.Add(FieldError.Invalid(ePath + ".valueFrom", "", "may not have more than one field specified at a time"));
            }

            if (from.Obj("fieldRef") is { } fieldRef && fieldRef.StrOrEmpty("fieldPath").Length == 0)
            {
                errs.Add(FieldError.Required(ePath + ".valueFrom.fieldRef.fieldPath"));
            }

            if (from.Obj("resourceFieldRef") is { } resourceRef && resourceRef.StrOrEmpty("resource").Length == 0)
            {
                errs.Add(FieldError.Required(ePath + ".valueFrom.resourceFieldRef.resource"));
            }

            foreach (var refKey in new[] { "configMapKeyRef", "secretKeyRef" })
            {
                if (from.Obj(refKey) is { } keyRef)
                {
                    if (keyRef.StrOrEmpty("key").Length == 0)
                    {
                        errs.Add(FieldError.Required($"{ePath}.valueFrom.{refKey}.key"));
                    }
                    else
                    {
                        var key = keyRef.StrOrEmpty("key");
                        errs.AddRange(NameFormats.IsConfigMapKey(key).Select(m => FieldError.Invalid($"{ePath}.valueFrom.{refKey}.key", key, m)));
                    }
                }
            }
        }
    }

    private static void ValidateEnvFrom(JsonObject container, string path, List<FieldError> errs)
    {
        foreach (var (i, source) in container.Items("envFrom"))
        {
            var sPath = $"{path}[{i}]";
            if (source.Str("prefix") is { Length: > 0 } prefix)
            {
                errs.AddRange(NameFormats.IsEnvVarName(prefix).Select(m => FieldError.Invalid(sPath + ".prefix", prefix, m)));
            }

            var refs = new[] { "configMapRef", "secretRef" }.Where(source.Has).ToArray();
            if (refs.Length == 0)
            {
                errs.Add(FieldError.Invalid(sPath, "", "must specify one of: `configMapRef` or `secretRef`"));
            }
            else if (refs.Length > 1)
            {
                errs.Add(FieldError.Invalid(sPath, "", "may not have more than one field specified at a time"));
            }

            foreach (var key in refs)
            {
                var name = source.Obj(key)?.StrOrEmpty("name") ?? "";
                if (name.Length == 0)
                {
                    errs.Add(FieldError.Required($"{sPath}.{key}.name"));
                }
                else
                {
                    errs.AddRange(NameFormats.IsDns1123Subdomain(name).Select(m => FieldError.Invalid($"{sPath}.{key}.name", name, m)));
                }
            }
        }
    }

    /// <summary>Container resources: valid names and quantities, and every request at most its limit.</summary>
    public static void ValidateResources(JsonObject? resources, string path, List<FieldError> errs)
    {
        if (resources is null)
        {
            return;
        }

        static IEnumerable<string> NameCheck(string name) =>
            ResourceListValidation.IsContainerResourceName(name) ? [] : ["must be a standard resource for containers"];

        var limits = resources.Obj("limits");
        var requests = resources.Obj("requests");
        errs.AddRange(ResourceListValidation.ValidateQuantities(limits, path + ".limits", NameCheck));
        errs.AddRange(ResourceListValidation.ValidateQuantities(requests, path + ".requests", NameCheck));
        if (requests is null)
        {
            return;
        }

        foreach (var (name, node) in requests)
        {
            if (!ResourceListValidation.TryGetQuantity(node, out var request))
            {
                continue;
            }

            var reqPath = $"{path}.requests[{name}]";
            var hasLimit = ResourceListValidation.TryGetQuantity(limits?[name], out var limit);
            if (hasLimit && request > limit)
            {
                errs.Add(FieldError.Invalid(reqPath, request.ToString(), $"must be less than or equal to {name} limit of {limit}"));
            }
            else if (ResourceListValidation.IsExtendedResourceName(name))
            {
                if (!hasLimit)
                {
                    errs.Add(FieldError.Required($"{path}.limits[{name}]", "Limit must be set for non overcommitable resources"));
                }
                else if (request != limit)
                {
                    errs.Add(FieldError.Invalid(reqPath, request.ToString(), $"must be equal to {name} limit of {limit}"));
                }
            }
        }
    }

    private static void ValidateMounts(JsonObject container, string path, HashSet<string> volumes, List<FieldError> errs)
    {
        var mountPaths = new HashSet<string>();
        foreach (var (i, mount) in container.Items("volumeMounts"))
        {
            var mPath = $"{path}[{i}]";
            var name = mount.StrOrEmpty("name");
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required(mPath + ".name"));
            }
            else if (!volumes.Contains(name))
            {
                errs.Add(new FieldError(FieldErrorType.NotFound, mPath + ".name", name, ""));
            }

            var mountPath = mount.StrOrEmpty("mountPath");
            if (mountPath.Length == 0)
            {
                errs.Add(FieldError.Required(mPath + ".mountPath"));
            }
            else if (!mountPaths.Add(mountPath))
            {
                errs.Add(FieldError.Invalid(mPath + ".mountPath", mountPath, "must be unique"));
            }

            ValidateLocalPath(mount.StrOrEmpty("subPath"), mPath + ".subPath", errs, required: false);
            if (mount.StrOrEmpty("subPath").Length > 0 && mount.StrOrEmpty("subPathExpr").Length > 0)
            {
                errs.Add(FieldError.Invalid(mPath + ".subPathExpr", mount.StrOrEmpty("subPathExpr"), "subPathExpr and subPath are mutually exclusive"));
            }

            errs.AddRange(FieldRules.OneOf(mount, "mountPropagation", mPath + ".mountPropagation", false, "Bidirectional", "HostToContainer", "None"));
            if (mount.StrOrEmpty("mountPropagation") == "Bidirectional" && (container["securityContext"] as JsonObject)?.Bool("privileged") != true)
            {
                errs.Add(FieldError.Forbidden(mPath + ".mountPropagation", "Bidirectional mount propagation is available only to privileged containers"));
            }
        }
    }

    private static void ValidateProbe(JsonObject probe, string path, List<FieldError> errs, bool mustSucceedOnce)
    {
        ValidateHandler(probe, path, errs, ["exec", "httpGet", "tcpSocket", "grpc"]);
        foreach (var key in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold" })
        {
            errs.AddRange(FieldRules.NonNegative(probe, key, $"{path}.{key}"));
        }

        if (mustSucceedOnce && probe.Long("successThreshold") is { } threshold && threshold != 1)
        {
            errs.Add(FieldError.Invalid(path + ".successThreshold", threshold, "must be 1"));
        }

        if (probe.Long("terminationGracePeriodSeconds") is <= 0 and var grace)
        {
            errs.Add(FieldError.Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than 0"));
        }
    }

    private static void ValidateHandler(JsonObject handler, string path, List<FieldError> errs, string[] kinds)
    {
        var present = kinds.Where(handler.Has).ToArray();
        if (present.Length == 0)
        {
            errs.Add(FieldError.Required(path, "must specify a handler type"));
            return;
        }

        if (present.Length > 1)
        {
            errs.Add(FieldError.Forbidden($"{path}.{present[1]}", "may not specify more than 1 handler type"));
        }

        if (handler.Obj("exec") is { } exec && !exec.HasEntries("command"))
        {
            errs.Add(FieldError.Required(path + ".exec.command"));
        }

        if (handler.Obj("httpGet") is { } http)
        {
            ValidatePortNumOrName(http["port"], path + ".httpGet.port", errs);
            errs.AddRange(FieldRules.OneOf(http, "scheme", path + ".httpGet.scheme", false, "HTTP", "HTTPS"));
        }

        if (handler.Obj("tcpSocket") is { } tcp)
        {
            ValidatePortNumOrName(tcp["port"], path + ".tcpSocket.port", errs);
        }

        if (handler.Obj("grpc") is { } grpc && grpc.Long("port") is { } grpcPort)
        {
            errs.AddRange(NetworkFormats.IsValidPortNum(grpcPort).Select(m => FieldError.Invalid(path + ".grpc.port", grpcPort, m)));
        }
    }

    /// <summary>An IntOrString port: a number 1-65535 or an IANA service name.</summary>
    public static void ValidatePortNumOrName(JsonNode? port, string path, List<FieldError> errs)
    {
        if (JsonAccess.AsLong(port) is { } number)
        {
            errs.AddRange(NetworkFormats.IsValidPortNum(number).Select(m => FieldError.Invalid(path, number, m)));
        }
        else if (JsonAccess.AsString(port) is { Length: > 0 } name)
        {
            errs.AddRange(NetworkFormats.IsValidPortName(name).Select(m => FieldError.Invalid(path, name, m)));
        }
        else
        {
            errs.Add(FieldError.Required(path));
        }
    }

    private static void ValidateTopologySpread(JsonObject spec, string path, List<FieldError> errs)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var (i, constraint) in spec.Items("topologySpreadConstraints"))
        {
            var cPath = $"{path}[{i}]";
            var maxSkew = constraint.Long("maxSkew") ?? 0;
            if (maxSkew <= 0)
            {
                errs.Add(FieldError.Invalid(cPath + ".maxSkew", maxSkew, "must be greater than zero"));
            }

            var key = constraint.StrOrEmpty("topologyKey");
            if (key.Length == 0)
            {
                errs.Add(FieldError.Required(cPath + ".topologyKey", "can not be empty"));
            }
            else
            {
                errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(cPath + ".topologyKey", key, m)));
            }

            var when = constraint.StrOrEmpty("whenUnsatisfiable");
            errs.AddRange(FieldRules.OneOf(constraint, "whenUnsatisfiable", cPath + ".whenUnsatisfiable", true, "DoNotSchedule", "ScheduleAnyway"));
            if (!seen.Add((key, when)))
            {
                errs.Add(FieldError.Duplicate(cPath, $"{{{key}, {when}}}"));
            }

            if (constraint.Long("minDomains") is { } minDomains)
            {
                if (minDomains <= 0)
                {
                    errs.Add(FieldError.Invalid(cPath + ".minDomains", minDomains, "must be greater than zero"));
                }
                else if (when != "DoNotSchedule")
                {
                    errs.Add(FieldError.Invalid(cPath + ".minDomains", minDomains, "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"));
                }
            }

            errs.AddRange(FieldRules.OneOf(constraint, "nodeAffinityPolicy", cPath + ".nodeAffinityPolicy", false, "Ignore", "Honor"));
            errs.AddRange(FieldRules.OneOf(constraint, "nodeTaintsPolicy", cPath + ".nodeTaintsPolicy", false, "Ignore", "Honor"));
            errs.AddRange(LabelSelectorValidation.Validate(constraint.Obj("labelSelector"), cPath + ".labelSelector"));
        }
    }

    /// <summary>The tolerations under <paramref name="holder"/> (a pod spec, or a RuntimeClass's scheduling).</summary>
    internal static void ValidateTolerations(JsonObject holder, string path, List<FieldError> errs)
    {
        foreach (var (i, toleration) in holder.Items("tolerations"))
        {
            var tPath = $"{path}[{i}]";
            var key = toleration.StrOrEmpty("key");
            var op = toleration.StrOrEmpty("operator");
            if (key.Length > 0)
            {
                errs.AddRange(NameFormats.IsQualifiedName(key).Select(m => FieldError.Invalid(tPath + ".key", key, m)));
            }
            else if (op != "Exists")
            {
                errs.Add(FieldError.Invalid(tPath + ".operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }

            if (toleration.Has("tolerationSeconds") && toleration.Str("effect") != "NoExecute")
            {
                errs.Add(FieldError.Invalid(tPath + ".effect", toleration.StrOrEmpty("effect"), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }

            var value = toleration.StrOrEmpty("value");
            switch (op)
            {
                case "" or "Equal":
                    errs.AddRange(NameFormats.IsValidLabelValue(value).Select(m => FieldError.Invalid(tPath + ".operator", value, m)));
                    break;
                case "Exists":
                    if (value.Length > 0)
                    {
                        errs.Add(FieldError.Invalid(tPath + ".operator", toleration, "value must be empty when `operator` is 'Exists'"));
                    }

                    break;
                default:
                    errs.Add(FieldError.NotSupported(tPath + ".operator", op, ["Equal", "Exists"]));
                    break;
            }

            errs.AddRange(FieldRules.OneOf(toleration, "effect", tPath + ".effect", false, TaintEffects));
        }
    }
}
