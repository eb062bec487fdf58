using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Storage;

/// <summary>
/// The built-in local-path provisioner (k3s' local-path-provisioner, inside every node agent). A claim of a class whose
/// provisioner is <c>capstan.io/local-path</c>, once the binder marked it for provisioning and (WaitForFirstConsumer)
/// the scheduler picked this node, gets a directory under the provisioning root and a hostPath PersistentVolume
/// "pvc-&lt;claim uid&gt;" pre-bound to it, with node affinity to this node. A Released volume of this node with reclaim
/// policy Delete has its directory and then its PersistentVolume removed. Immediate claims (no node picked) go to the
/// first agent whose create wins.
/// </summary>
public sealed partial class LocalPathProvisioner : Controller
{
    public const string ProvisionerName = "capstan.io/local-path";

    /// <summary>On the PersistentVolume: the node whose directory backs it.</summary>
    public const string NodeAnnotation = "capstan.io/local-path-node";

    private const string ClaimPrefix = "pvc:";
    private const string VolumePrefix = "pv:";

    private static readonly string[] Verbs = ["get", "list", "watch"];
    private static readonly ApiResource Claims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, Verbs);
    private static readonly ApiResource Volumes = new("", "v1", "persistentvolumes", "PersistentVolume", false, Verbs);
    private static readonly ApiResource Classes = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, Verbs);

    private readonly IKubernetes _kube;
    private readonly string _node;
    private readonly string _root;
    private readonly DynamicInformer _claims;
    private readonly DynamicInformer _volumes;
    private readonly DynamicInformer _classes;
    private readonly ILogger _logger;
    private readonly ProvisionerEvents _events;

    public LocalPathProvisioner(IKubernetes client, string nodeName, string root, ILoggerFactory loggerFactory, TimeProvider? time = null)
        : base("local-path-provisioner", 2, loggerFactory.CreateLogger<LocalPathProvisioner>(), time)
    {
        _kube = client;
        _node = nodeName;
        _root = root;
        _logger = loggerFactory.CreateLogger<LocalPathProvisioner>();
        _events = new ProvisionerEvents(client, $"{ProvisionerName}_{nodeName}", Time);
        var dynamic = new DynamicClient(client);
        var informerLogger = loggerFactory.CreateLogger<DynamicInformer>();
        _claims = new DynamicInformer(dynamic, Claims, null, informerLogger, Time);
        _volumes = new DynamicInformer(dynamic, Volumes, null, informerLogger, Time);
        _classes = new DynamicInformer(dynamic, Classes, null, informerLogger, Time);
        _claims.AddEventHandler(new ResourceEventHandler { OnAdd = c => Queue.Add(ClaimPrefix + c.GetKey()), OnUpdate = (_, c) => Queue.Add(ClaimPrefix + c.GetKey()) });
        _volumes.AddEventHandler(new ResourceEventHandler { OnAdd = v => Queue.Add(VolumePrefix + v.GetName()), OnUpdate = (_, v) => Queue.Add(VolumePrefix + v.GetName()) });
    }

    /// <summary>The directory a volume of this claim lives in: "&lt;root&gt;/&lt;pv&gt;_&lt;namespace&gt;_&lt;claim&gt;", as k3s names them.</summary>
    public static string VolumeDirectory(string root, string volumeName, string ns, string claimName) => Path.Combine(root, $"{volumeName}_{ns}_{claimName}");

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_claims, _volumes, _classes];

    /// <summary>Runs the three informers until <paramref name="ct"/> is cancelled; the controller's workers wait for their sync.</summary>
    public Task RunInformersAsync(CancellationToken ct) =>
        Task.WhenAll(Task.Run(() => _claims.RunAsync(ct), CancellationToken.None), Task.Run(() => _volumes.RunAsync(ct), CancellationToken.None), Task.Run(() => _classes.RunAsync(ct), CancellationToken.None));

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        try
        {
            if (key.StartsWith(ClaimPrefix, StringComparison.Ordinal))
            {
                if (_claims.Cache.Get(key[ClaimPrefix.Length..]) is { } claim)
                {
                    await ProvisionAsync(claim, ct).ConfigureAwait(false);
                }
            }
            else if (_volumes.Cache.Get(key[VolumePrefix.Length..]) is { } volume)
            {
                await DeleteIfReleasedAsync(volume, ct).ConfigureAwait(false);
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound)
        {
        }

        return ReconcileResult.Done;
    }

    private async Task ProvisionAsync(JsonObject claim, CancellationToken ct)
    {
        var meta = claim["metadata"] as JsonObject ?? new JsonObject();
        var annotations = meta["annotations"] as JsonObject;
        var spec = claim["spec"] as JsonObject ?? new JsonObject();
        if (claim.IsBeingDeleted() || spec.StrOrEmpty("volumeName").Length > 0
            || JsonAccess.AsString(annotations?["volume.kubernetes.io/storage-provisioner"]) != ProvisionerName)
        {
            return;
        }

        var selected = JsonAccess.AsString(annotations?["volume.kubernetes.io/selected-node"]);
        var storageClass = _classes.Cache.Get(spec.StrOrEmpty("storageClassName"));
        if (storageClass is null || (selected is not null && selected != _node)
            || (selected is null && storageClass.StrOrEmpty("volumeBindingMode") == "WaitForFirstConsumer"))
        {
            return;
        }

        var volumeName = "pvc-" + claim.GetUid();
        if (_volumes.Cache.Get(volumeName) is not null)
        {
            return;
        }

        var path = VolumeDirectory(_root, volumeName, claim.GetNamespace(), claim.GetName());
        var volume = new V1PersistentVolume
        {
            ApiVersion = "v1",
            Kind = "PersistentVolume",
            Metadata = new V1ObjectMeta
            {
                Name = volumeName,
                Annotations = new Dictionary<string, string>
                {
                    ["pv.kubernetes.io/provisioned-by"] = ProvisionerName,
                    [NodeAnnotation] = _node,
                },
            },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(JsonAccess.AsString(spec["resources"]?["requests"]?["storage"]) ?? "0") },
                AccessModes = [.. spec.Strings("accessModes")],
                PersistentVolumeReclaimPolicy = storageClass.Str("reclaimPolicy") ?? "Delete",
                StorageClassName = storageClass.GetName(),
                VolumeMode = spec.Str("volumeMode") ?? "Filesystem",
                MountOptions = (storageClass["mountOptions"] as JsonArray)?.Select(n => n?.ToString() ?? "").ToList(),
                ClaimRef = new V1ObjectReference
                {
                    ApiVersion = "v1",
                    Kind = "PersistentVolumeClaim",
                    NamespaceProperty = claim.GetNamespace(),
                    Name = claim.GetName(),
                    Uid = claim.GetUid(),
                    ResourceVersion = claim.GetResourceVersion(),
                },
                HostPath = new V1HostPathVolumeSource { Path = path, Type = "DirectoryOrCreate" },
                NodeAffinity = new V1VolumeNodeAffinity
                {
                    Required = new V1NodeSelector
                    {
                        NodeSelectorTerms =
                        [
                            new V1NodeSelectorTerm
                            {
                                MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = [_node] }],
                            },
                        ],
                    },
                },
            },
        };

        // The PV first: a create that loses to another node's (Immediate claims) leaves no directory behind.
        await _events.ProvisioningAsync(claim, ct).ConfigureAwait(false);
        try
        {
            await _kube.CoreV1.CreatePersistentVolumeAsync(volume, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            await _events.FailedAsync(claim, storageClass.GetName(), ex.Response.Content is { Length: > 0 } body ? body : ex.Message, ct).ConfigureAwait(false);
            throw;
        }

        try
        {
            CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await _events.FailedAsync(claim, storageClass.GetName(), ex.Message, ct).ConfigureAwait(false);
            throw;
        }

        await _events.SucceededAsync(claim, volumeName, ct).ConfigureAwait(false);
        LogProvisioned(volumeName, claim.GetNamespace(), claim.GetName(), path);
    }

    private async Task DeleteIfReleasedAsync(JsonObject volume, CancellationToken ct)
    {
        var annotations = volume["metadata"]?["annotations"] as JsonObject;
        var spec = volume["spec"] as JsonObject ?? new JsonObject();
        if (JsonAccess.AsString(annotations?["pv.kubernetes.io/provisioned-by"]) != ProvisionerName
            || JsonAccess.AsString(annotations?[NodeAnnotation]) != _node
            || (volume["status"] as JsonObject)?.StrOrEmpty("phase") != "Released"
            || spec.StrOrEmpty("persistentVolumeReclaimPolicy") != "Delete"
            || volume.IsBeingDeleted())
        {
            return;
        }

        if (spec["hostPath"]?["path"] is JsonValue pathValue && pathValue.GetValue<string>() is { } path && IsUnderRoot(path) && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        await _kube.CoreV1.DeletePersistentVolumeAsync(volume.GetName(), cancellationToken: ct).ConfigureAwait(false);
        LogDeleted(volume.GetName());
    }

    // Only directories this provisioner made are ever removed, whatever a volume's spec says.
    private bool IsUnderRoot(string path)
    {
        var full = Path.GetFullPath(path);
        return full.StartsWith(Path.GetFullPath(_root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static void CreateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            // As k3s: any container user may write to its volume.
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "provisioned {Volume} for claim {Namespace}/{Claim} at {Path}")]
    private partial void LogProvisioned(string volume, string @namespace, string claim, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "deleted released volume {Volume} and its directory")]
    private partial void LogDeleted(string volume);
}
