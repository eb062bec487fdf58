using System.Text.Json.Nodes;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Core;

/// <summary>
/// Kubernetes' SetDefaults_PodSpec and the defaults of everything inside a pod spec (containers, ports, probes, env, volumes).
/// Applies to Pods and to the pod templates of workloads alike.
/// </summary>
public static class PodSpecDefaults
{
    internal static readonly string[] VolumeSources =
    [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
        "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
        "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
        "ephemeral", "image",
    ];

    private const int DefaultMode = 420; // 0644

    /// <summary>Defaults the pod template at <c>spec.template</c> of a workload (created when absent, as Go's struct would be).</summary>
    public static void ApplyTemplate(JsonObject workloadSpec) =>
        Apply(workloadSpec.EnsureObj("template").EnsureObj("spec"));

    public static void Apply(JsonObject spec)
    {
        spec.SetDefaultString("dnsPolicy", "ClusterFirst");
        spec.SetDefaultString("restartPolicy", "Always");
        spec.SetDefault("securityContext", new JsonObject());
        spec.SetDefault("terminationGracePeriodSeconds", 30);
        spec.SetDefaultString("schedulerName", "default-scheduler");

        // serviceAccount is the deprecated mirror of serviceAccountName; conversion keeps them in step.
        if (string.IsNullOrEmpty(spec.Str("serviceAccountName")) && spec.Str("serviceAccount") is { Length: > 0 } legacy)
        {
            spec["serviceAccountName"] = legacy;
        }

        if (spec.Str("serviceAccountName") is { Length: > 0 } account)
        {
            spec["serviceAccount"] = account;
        }

        var hostNetwork = spec.Bool("hostNetwork") == true;
        foreach (var key in new[] { "containers", "initContainers", "ephemeralContainers" })
        {
            foreach (var (_, container) in spec.Items(key))
            {
                ApplyContainer(container, hostNetwork);
            }
        }

        foreach (var (_, volume) in spec.Items("volumes"))
        {
            ApplyVolume(volume);
        }
    }

    public static void ApplyContainer(JsonObject container, bool hostNetwork)
    {
        if (string.IsNullOrEmpty(container.Str("imagePullPolicy")))
        {
            container["imagePullPolicy"] = ImageTag(container.StrOrEmpty("image")) == "latest" ? "Always" : "IfNotPresent";
        }

        container.SetDefaultString("terminationMessagePath", "/dev/termination-log");
        container.SetDefaultString("terminationMessagePolicy", "File");

        // A struct field on the wire: always present, possibly empty.
        container.SetDefault("resources", new JsonObject());

        foreach (var (_, port) in container.Items("ports"))
        {
            port.SetDefaultString("protocol", "TCP");
            if (hostNetwork && port.Long("hostPort") is null or 0 && port.Long("containerPort") is { } containerPort)
            {
                port["hostPort"] = containerPort;
            }
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container.Obj(probe) is { } p)
            {
                ApplyProbe(p);
            }
        }

        if (container.Obj("lifecycle") is { } lifecycle)
        {
            foreach (var hook in new[] { "postStart", "preStop" })
            {
                if (lifecycle.Obj(hook) is { } handler)
                {
                    ApplyHandler(handler);
                }
            }
        }

        foreach (var (_, env) in container.Items("env"))
        {
            if (env.Obj("valueFrom") is { } from)
            {
                ApplyEnvSource(from);
            }
        }

        if (container.Obj("resources") is { } resources)
        {
            ResourceListValidation.Canonicalize(resources.Obj("limits"));
            ResourceListValidation.Canonicalize(resources.Obj("requests"));
        }
    }

    /// <summary>The tag an image reference names: "latest" when it has neither tag nor digest, "" with only a digest.</summary>
    public static string ImageTag(string image)
    {
        // An unparseable reference has no tag (Kubernetes ignores the parse error and pulls IfNotPresent).
        if (image.Length == 0 || image.Any(char.IsWhiteSpace))
        {
            return "";
        }

        var at = image.IndexOf('@');
        var name = at >= 0 ? image[..at] : image;
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            return name[(colon + 1)..];
        }

        return at >= 0 ? "" : "latest";
    }

    private static void ApplyProbe(JsonObject probe)
    {
        SetIfZero(probe, "timeoutSeconds", 1);
        SetIfZero(probe, "periodSeconds", 10);
        SetIfZero(probe, "successThreshold", 1);
        SetIfZero(probe, "failureThreshold", 3);
        ApplyHandler(probe);
    }

    private static void ApplyHandler(JsonObject handler)
    {
        if (handler.Obj("httpGet") is { } http)
        {
            http.SetDefaultString("path", "/");
            http.SetDefaultString("scheme", "HTTP");
        }

        if (handler.Obj("grpc") is { } grpc)
        {
            grpc.SetDefault("service", "");
        }
    }

    private static void SetIfZero(JsonObject o, string key, int value)
    {
        if (o.Long(key) is null or 0)
        {
            o[key] = value;
        }
    }

    private static void ApplyEnvSource(JsonObject from)
    {
        if (from.Obj("fieldRef") is { } fieldRef)
        {
            fieldRef.SetDefaultString("apiVersion", "v1");
        }

        if (from.Obj("resourceFieldRef") is { } resourceRef)
        {
            resourceRef.SetDefault("divisor", "0");
        }
    }

    public static void ApplyVolume(JsonObject volume)
    {
        if (!VolumeSources.Any(volume.Has))
        {
            volume["emptyDir"] = new JsonObject();
        }

        if (volume.Obj("secret") is { } secret)
        {
            secret.SetDefault("defaultMode", DefaultMode);
        }

        if (volume.Obj("configMap") is { } configMap)
        {
            configMap.SetDefault("defaultMode", DefaultMode);
        }

        if (volume.Obj("downwardAPI") is { } downward)
        {
            downward.SetDefault("defaultMode", DefaultMode);
            ApplyDownwardItems(downward);
        }

        if (volume.Obj("projected") is { } projected)
        {
            projected.SetDefault("defaultMode", DefaultMode);
            foreach (var (_, source) in projected.Items("sources"))
            {
                if (source.Obj("serviceAccountToken") is { } token)
                {
                    token.SetDefault("expirationSeconds", 3600);
                }

                if (source.Obj("downwardAPI") is { } d)
                {
                    ApplyDownwardItems(d);
                }
            }
        }

        if (volume.Obj("hostPath") is { } hostPath)
        {
            hostPath.SetDefault("type", "");
        }

        if (volume.Obj("iscsi") is { } iscsi)
        {
            iscsi.SetDefaultString("iscsiInterface", "default");
        }

        if (volume.Obj("rbd") is { } rbd)
        {
            rbd.SetDefaultString("pool", "rbd");
            rbd.SetDefaultString("user", "admin");
            rbd.SetDefaultString("keyring", "/etc/ceph/keyring");
        }

        if (volume.Obj("azureDisk") is { } azureDisk)
        {
            azureDisk.SetDefault("cachingMode", "ReadWrite");
            azureDisk.SetDefault("fsType", "ext4");
            azureDisk.SetDefault("readOnly", false);
            azureDisk.SetDefault("kind", "Shared");
        }

        if (volume.Obj("scaleIO") is { } scaleIo)
        {
            scaleIo.SetDefaultString("storageMode", "ThinProvisioned");
            scaleIo.SetDefaultString("fsType", "xfs");
        }

        if (volume.Obj("ephemeral")?.Obj("volumeClaimTemplate")?.Obj("spec") is { } claimSpec)
        {
            claimSpec.SetDefaultString("volumeMode", "Filesystem");
            ResourceListValidation.Canonicalize(claimSpec.Obj("resources")?.Obj("requests"));
        }
    }

    private static void ApplyDownwardItems(JsonObject downward)
    {
        foreach (var (_, item) in downward.Items("items"))
        {
            ApplyEnvSource(item);
        }
    }
}
