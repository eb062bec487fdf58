using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Capstan.Api.Validation;
using Capstan.Client.Cache;
using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Deployment;
using Capstan.Controllers.Events;
using Capstan.Controllers.Resources;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers.Canary;

/// <summary>
/// Progressive canary releases (rollouts.capstan.io/v1alpha1 Canary). The target Deployment is kept paused, so a change
/// of its pod template does not roll out; instead the new template runs as a second Deployment, &lt;target&gt;-canary,
/// whose pods carry <see cref="CanaryNames.PodLabel"/>. A headless Service &lt;service&gt;-canary selects them, and the
/// main Service's annotations tell the service proxy (and, through a canary Ingress, the ingress) to send the step's
/// weight to them. Each step is judged after its interval on the canary's traffic (read from the proxy's and ingress's
/// /metrics), restarts and readiness. All steps pass: the Deployment is unpaused and rolls out the new template, then the
/// canary goes. Too many failed checks, or the abort annotation: the canary gets no traffic, the Deployment's template
/// goes back to the stable ReplicaSet's, and status, a condition and a Warning event say why.
/// </summary>
public sealed partial class CanaryController : Controller
{
    public const string Component = "canary-controller";

    private readonly DynamicClient _client;
    private readonly IKubernetes _kube;
    private readonly DynamicInformer _canaries;
    private readonly DynamicInformer _deployments;
    private readonly DynamicInformer _replicaSets;
    private readonly DynamicInformer _pods;
    private readonly DynamicInformer _services;
    private readonly EventRecorder _events;
    private readonly ICanaryMetrics _metrics;
    private readonly ILogger _logger;

    // The traffic figures at the start of each Canary's current step (by uid): the analysis judges what came after.
    // Lost on restart, which only restarts the step's interval.
    private readonly ConcurrentDictionary<string, (int Step, TrafficSample Sample)> _baselines = new(StringComparer.Ordinal);

    // The status this controller last wrote per Canary uid, with the resourceVersion the write produced.
    private readonly ConcurrentDictionary<string, (long ResourceVersion, JsonObject Status)> _written = new(StringComparer.Ordinal);

    public CanaryController(SharedInformerFactory informers, ILoggerFactory loggerFactory, ICanaryMetrics metrics, int workers = 2, TimeProvider? time = null)
        : base(Component, workers, loggerFactory.CreateLogger<CanaryController>(), time)
    {
        _client = informers.Client;
        _kube = informers.Client.Kubernetes;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<CanaryController>();
        _events = new EventRecorder(_kube, Component, loggerFactory.CreateLogger<CanaryController>(), Time);
        _canaries = informers.For(CanaryNames.Canaries);
        _deployments = informers.For(KnownResources.Deployments);
        _replicaSets = informers.For(KnownResources.ReplicaSets);
        _pods = informers.For(KnownResources.Pods);
        _services = informers.For(CanaryNames.Services);
        _canaries.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = c => Queue.Add(c.GetKey()),
            OnUpdate = (_, c) => Queue.Add(c.GetKey()),
            OnDelete = c => Queue.Add(c.GetKey()),
        });
        _deployments.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = DeploymentChanged,
            OnUpdate = (_, d) => DeploymentChanged(d),
            OnDelete = DeploymentChanged,
        });
        _pods.AddEventHandler(new ResourceEventHandler
        {
            OnAdd = PodChanged,
            OnUpdate = (_, p) => PodChanged(p),
            OnDelete = PodChanged,
        });
    }

    protected override IReadOnlyCollection<DynamicInformer> Informers => [_canaries, _deployments, _replicaSets, _pods, _services];

    private void DeploymentChanged(JsonObject d)
    {
        var name = d.GetName();
        foreach (var canary in _canaries.Cache.ByIndex(IndexedCache.NamespaceIndex, d.GetNamespace()))
        {
            var target = canary["spec"]?["targetRef"]?["name"]?.GetValue<string>();
            if (target == name || CanaryNames.CanaryDeployment(target ?? "") == name)
            {
                Queue.Add(canary.GetKey());
            }
        }
    }

    private void PodChanged(JsonObject pod)
    {
        if (pod["metadata"]?["labels"]?[CanaryNames.PodLabel]?.GetValue<string>() is { Length: > 0 } canary)
        {
            Queue.Add($"{pod.GetNamespace()}/{canary}");
        }
    }

    protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var canary = _canaries.Cache.Get(key);
        if (canary is null)
        {
            return ReconcileResult.Done;
        }

        var ns = canary.GetNamespace();
        var settings = CanarySettings.From(canary);
        var d = _deployments.Cache.Get($"{ns}/{settings.Target}");
        if (canary.IsBeingDeleted())
        {
            await FinalizeAsync(canary, settings, d, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (!HasFinalizer(canary))
        {
            await PatchCanaryAsync(canary, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray([.. Finalizers(canary).Append(CanaryNames.Finalizer).Select(f => (JsonNode)JsonValue.Create(f))]) } }, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        // The informer may not have seen our last status write yet: acting on the older status would replay a step.
        var status = (canary["status"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        if (_written.TryGetValue(canary.GetUid(), out var last) && (ResourceVersion(canary) ?? 0) < last.ResourceVersion)
        {
            status = last.Status.DeepCopy();
        }

        status["observedGeneration"] = canary["metadata"]?["generation"]?.DeepClone();
        if (d is null)
        {
            status["phase"] = CanaryPhase.Initializing;
            status["message"] = $"waiting for Deployment \"{settings.Target}\"";
            await WriteStatusAsync(canary, status, ct).ConfigureAwait(false);
            return ReconcileResult.After(TimeSpan.FromSeconds(10));
        }

        var hash = PodTemplateHash.Compute(d["spec"]?["template"] as JsonObject ?? [], d["status"]?["collisionCount"] is JsonValue cc ? JsonAccess.AsLong(cc) : null);
        var phase = status.StrOrEmpty("phase");
        var result = ReconcileResult.Done;
        if (phase.Length == 0 || phase == CanaryPhase.Initializing)
        {
            await EnsurePausedAsync(d, true, ct).ConfigureAwait(false);
            status["phase"] = CanaryPhase.Waiting;
            status["stableRevision"] = hash;
            status["canaryWeight"] = 0;
            status["message"] = $"Deployment \"{settings.Target}\" revision {hash} is stable; waiting for a new template";
            _events.Normal(canary, "Initialized", $"Deployment {settings.Target} paused; template changes are released as canaries");
        }
        else if (CanaryPhase.IsIdle(phase))
        {
            await EnsurePausedAsync(d, true, ct).ConfigureAwait(false);
            var cleaned = await CleanupAsync(canary, settings, ct).ConfigureAwait(false);
            var stable = status.StrOrEmpty("stableRevision");
            var failedAgain = phase is CanaryPhase.Failed or CanaryPhase.Aborted && hash == status.StrOrEmpty("canaryRevision");
            if (hash != stable && !failedAgain && cleaned)
            {
                StartStep(status, settings, 0, hash);
                status["phase"] = CanaryPhase.Progressing;
                status["failedChecks"] = 0;
                status["message"] = $"releasing revision {hash} at {settings.Steps[0]}%";
                _events.Normal(canary, "Progressing", $"New revision {hash} of Deployment {settings.Target}; canary at {settings.Steps[0]}%");
                result = ReconcileResult.After(TimeSpan.FromSeconds(1));
            }
            else if (!cleaned)
            {
                result = ReconcileResult.After(TimeSpan.FromSeconds(1));
            }
        }
        else if (phase == CanaryPhase.Progressing)
        {
            result = await ProgressAsync(canary, settings, d, hash, status, ct).ConfigureAwait(false);
        }
        else if (phase == CanaryPhase.Promoting)
        {
            result = await PromoteAsync(canary, settings, d, hash, status, ct).ConfigureAwait(false);
        }

        await WriteStatusAsync(canary, status, ct).ConfigureAwait(false);
        return result;
    }

    private async Task<ReconcileResult> ProgressAsync(JsonObject canary, CanarySettings settings, JsonObject d, string hash, JsonObject status, CancellationToken ct)
    {
        if (Annotation(canary, CanaryNames.AbortAnnotation) == "true")
        {
            await RemoveAnnotationAsync(canary, CanaryNames.AbortAnnotation, ct).ConfigureAwait(false);
            await RollBackAsync(canary, settings, d, status, CanaryPhase.Aborted, "CanaryAborted", "aborted by the capstan.io/canary-abort annotation", ct).ConfigureAwait(false);
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (Annotation(canary, CanaryNames.PromoteAnnotation) == "true")
        {
            await RemoveAnnotationAsync(canary, CanaryNames.PromoteAnnotation, ct).ConfigureAwait(false);
            status["phase"] = CanaryPhase.Promoting;
            status["message"] = "promoted by the capstan.io/canary-promote annotation";
            _events.Normal(canary, "Promoting", $"Revision {status.StrOrEmpty("canaryRevision")} promoted by hand");
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (hash == status.StrOrEmpty("stableRevision"))
        {
            // The template went back to the stable one: nothing to release any more.
            await SetServiceSplitAsync(canary, settings, 0, ct).ConfigureAwait(false);
            await DeleteCanaryDeploymentAsync(canary, settings, ct).ConfigureAwait(false);
            status["phase"] = CanaryPhase.Waiting;
            status["canaryWeight"] = 0;
            status["message"] = "the Deployment's template went back to the stable revision";
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        if (hash != status.StrOrEmpty("canaryRevision"))
        {
            // A newer template during the release: it restarts from the first step.
            StartStep(status, settings, 0, hash);
            status["failedChecks"] = 0;
            _events.Normal(canary, "Progressing", $"New revision {hash} of Deployment {settings.Target} replaces the canary; back to {settings.Steps[0]}%");
        }

        var step = (int)(status.Long("currentStep") ?? 0);
        var weight = settings.Steps[Math.Clamp(step, 0, settings.Steps.Count - 1)];
        var wanted = CanarySettings.CanaryReplicas(Replicas(d), weight);
        var canaryDeployment = await EnsureCanaryDeploymentAsync(canary, settings, d, wanted, ct).ConfigureAwait(false);
        await EnsureCanaryServiceAsync(canary, settings, ct).ConfigureAwait(false);
        await SetServiceSplitAsync(canary, settings, weight, ct).ConfigureAwait(false);
        if (settings.Ingress is { } ingress)
        {
            await EnsureCanaryIngressAsync(canary, settings, ingress, weight, ct).ConfigureAwait(false);
        }

        var uid = canary.GetUid();
        var sample = await SampleAsync(canary, settings, ct).ConfigureAwait(false);
        if (!_baselines.TryGetValue(uid, out var baseline) || baseline.Step != step || StepStart(status) is null)
        {
            _baselines[uid] = (step, sample);
            status["stepStartTime"] ??= Now();
            return ReconcileResult.After(settings.Interval);
        }

        var elapsed = Time.GetUtcNow() - StepStart(status)!.Value;
        if (elapsed < settings.Interval)
        {
            return ReconcileResult.After(settings.Interval - elapsed);
        }

        var pods = CanaryPods(canary);
        var restarts = pods.Sum(AutoRollback.Restarts);
        var ready = (int)(canaryDeployment?["status"]?["readyReplicas"] is JsonValue r ? JsonAccess.AsLong(r) ?? 0 : 0);
        var traffic = sample.Since(baseline.Sample);
        var failures = CanaryAnalysis.Failures(settings, traffic, restarts, ready, wanted);
        _baselines[uid] = (step, sample);
        status["stepStartTime"] = Now();
        if (failures.Count > 0)
        {
            var failed = (int)(status.Long("failedChecks") ?? 0) + 1;
            status["failedChecks"] = failed;
            var why = string.Join("; ", failures);
            _events.Warning(canary, "CheckFailed", $"Step {step + 1} at {weight}%: {why} ({failed} of {settings.FailureLimit} failed checks)");
            if (failed >= settings.FailureLimit)
            {
                await RollBackAsync(canary, settings, d, status, CanaryPhase.Failed, "CanaryFailed", why, ct).ConfigureAwait(false);
                return ReconcileResult.After(TimeSpan.FromSeconds(1));
            }

            status["message"] = $"step {step + 1} at {weight}%: {why}";
            return ReconcileResult.After(settings.Interval);
        }

        _events.Normal(canary, "StepPassed", string.Create(CultureInfo.InvariantCulture, $"Step {step + 1} at {weight}% passed ({traffic.Requests} requests, {traffic.Errors} errors)"));
        if (step + 1 >= settings.Steps.Count)
        {
            status["phase"] = CanaryPhase.Promoting;
            status["message"] = $"every step passed; rolling Deployment \"{settings.Target}\" out to revision {hash}";
            _events.Normal(canary, "Promoting", $"Every step passed; promoting revision {hash}");
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        StartStep(status, settings, step + 1, hash);
        return ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    private async Task<ReconcileResult> PromoteAsync(JsonObject canary, CanarySettings settings, JsonObject d, string hash, JsonObject status, CancellationToken ct)
    {
        await EnsurePausedAsync(d, false, ct).ConfigureAwait(false);
        if (!RolledOut(d, hash))
        {
            return ReconcileResult.After(TimeSpan.FromSeconds(1));
        }

        // The stable pods run the new version now: the split ends and the canary goes.
        await SetServiceSplitAsync(canary, settings, null, ct).ConfigureAwait(false);
        await DeleteCanaryDeploymentAsync(canary, settings, ct).ConfigureAwait(false);
        await EnsurePausedAsync(d, true, ct).ConfigureAwait(false);
        status["phase"] = CanaryPhase.Succeeded;
        status["stableRevision"] = hash;
        status["canaryWeight"] = 0;
        status.Remove("currentStep");
        status["message"] = $"revision {hash} promoted";
        SetCondition(status, "True", "Promoted", $"revision {hash} passed every step and was rolled out");
        _events.Normal(canary, "Succeeded", $"Revision {hash} promoted; Deployment {settings.Target} rolled out");
        _baselines.TryRemove(canary.GetUid(), out _);
        return ReconcileResult.After(TimeSpan.FromSeconds(1));
    }

    /// <summary>Sends every request back to the stable pods, restores the Deployment's template and removes the canary pods.</summary>
    private async Task RollBackAsync(JsonObject canary, CanarySettings settings, JsonObject d, JsonObject status, string phase, string reason, string why, CancellationToken ct)
    {
        await SetServiceSplitAsync(canary, settings, 0, ct).ConfigureAwait(false);
        if (settings.Ingress is { } ingress)
        {
            await EnsureCanaryIngressAsync(canary, settings, ingress, 0, ct).ConfigureAwait(false);
        }

        var stable = status.StrOrEmpty("stableRevision");
        var stableRs = _replicaSets.Cache.ByIndex(IndexedCache.NamespaceIndex, d.GetNamespace())
            .FirstOrDefault(rs => rs["metadata"]?["labels"]?[PodTemplateHash.Label]?.GetValue<string>() == stable
                && Ownership.ControllerRefs.ControllerOf(rs)?.Uid == d.GetUid());
        if (stableRs is not null)
        {
            var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = AutoRollback.TemplateOf(stableRs), ["paused"] = true } };
            await _kube.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), d.GetName(), d.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
        }

        await DeleteCanaryDeploymentAsync(canary, settings, ct).ConfigureAwait(false);
        status["phase"] = phase;
        status["canaryWeight"] = 0;
        status["message"] = $"rolled back to revision {stable}: {why}";
        SetCondition(status, "False", reason, why);
        _events.Warning(canary, "RolledBack", $"Canary revision {status.StrOrEmpty("canaryRevision")} {(phase == CanaryPhase.Aborted ? "aborted" : "failed")}: {why}; Deployment {settings.Target} back to revision {stable}");
        _baselines.TryRemove(canary.GetUid(), out _);
    }

    /// <summary>After a release: once no canary pod is left, removes the split and the canary Service and Ingress. True when clean.</summary>
    private async Task<bool> CleanupAsync(JsonObject canary, CanarySettings settings, CancellationToken ct)
    {
        await DeleteCanaryDeploymentAsync(canary, settings, ct).ConfigureAwait(false);
        if (CanaryPods(canary).Count > 0)
        {
            return false;
        }

        await SetServiceSplitAsync(canary, settings, null, ct).ConfigureAwait(false);
        var ns = canary.GetNamespace();
        if (_services.Cache.Get($"{ns}/{CanaryNames.CanaryService(settings.Service)}") is { } service && OwnedBy(service, canary))
        {
            await _client.DeleteAsync(CanaryNames.Services, ns, service.GetName(), new DeleteOptions(), ct).ConfigureAwait(false);
        }

        if (settings.Ingress is { } ingress)
        {
            try
            {
                await _kube.NetworkingV1.DeleteNamespacedIngressAsync(CanaryNames.CanaryIngress(ingress), ns, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }
        }

        return true;
    }

    private async Task FinalizeAsync(JsonObject canary, CanarySettings settings, JsonObject? d, CancellationToken ct)
    {
        if (!HasFinalizer(canary))
        {
            return;
        }

        // Deleting a Canary hands the Deployment back to plain rolling updates (a release in progress rolls out as is).
        await SetServiceSplitAsync(canary, settings, null, ct).ConfigureAwait(false);
        if (d is not null)
        {
            await EnsurePausedAsync(d, false, ct).ConfigureAwait(false);
        }

        var rest = Finalizers(canary).Where(f => f != CanaryNames.Finalizer).Select(f => (JsonNode)JsonValue.Create(f));
        await PatchCanaryAsync(canary, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray([.. rest]) } }, ct).ConfigureAwait(false);
        _baselines.TryRemove(canary.GetUid(), out _);
        _written.TryRemove(canary.GetUid(), out _);
    }

    private async Task<JsonObject?> EnsureCanaryDeploymentAsync(JsonObject canary, CanarySettings settings, JsonObject d, int replicas, CancellationToken ct)
    {
        var ns = canary.GetNamespace();
        var name = CanaryNames.CanaryDeployment(settings.Target);
        var template = (d["spec"]?["template"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        template.EnsureObj("metadata").EnsureObj("labels")[CanaryNames.PodLabel] = canary.GetName();
        var selector = (d["spec"]?["selector"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        selector.EnsureObj("matchLabels")[CanaryNames.PodLabel] = canary.GetName();
        var existing = _deployments.Cache.Get($"{ns}/{name}");
        if (existing is null)
        {
            var body = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["labels"] = new JsonObject { [CanaryNames.PodLabel] = canary.GetName() },
                    ["ownerReferences"] = new JsonArray(OwnerRef(canary)),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = replicas,
                    ["selector"] = selector,
                    ["template"] = template,
                    ["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 0, ["maxSurge"] = 1 } },
                },
            };
            var created = await _kube.AppsV1.CreateNamespacedDeploymentAsync(KubernetesJson.Deserialize<V1Deployment>(body.ToJsonString()), ns, cancellationToken: ct).ConfigureAwait(false);
            _events.Normal(canary, "CanaryCreated", $"Created Deployment {name} with {replicas} replicas");
            return JsonNode.Parse(KubernetesJson.Serialize(created)) as JsonObject;
        }

        if (JsonAccess.AsLong(existing["spec"]?["replicas"]) != replicas
            || !JsonNode.DeepEquals(Normalized(existing["spec"]?["template"]), Normalized(template)))
        {
            var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas, ["template"] = template } };
            await _kube.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: ct).ConfigureAwait(false);
        }

        return existing;
    }

    private async Task DeleteCanaryDeploymentAsync(JsonObject canary, CanarySettings settings, CancellationToken ct)
    {
        var ns = canary.GetNamespace();
        var name = CanaryNames.CanaryDeployment(settings.Target);
        if (_deployments.Cache.Get($"{ns}/{name}") is { } existing && OwnedBy(existing, canary) && !existing.IsBeingDeleted())
        {
            await _client.DeleteAsync(KnownResources.Deployments, ns, name, new DeleteOptions { PropagationPolicy = "Background" }, ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureCanaryServiceAsync(JsonObject canary, CanarySettings settings, CancellationToken ct)
    {
        var ns = canary.GetNamespace();
        var name = CanaryNames.CanaryService(settings.Service);
        if (_services.Cache.Get($"{ns}/{name}") is not null || _services.Cache.Get($"{ns}/{settings.Service}") is not { } main)
        {
            return;
        }

        var selector = (main["spec"]?["selector"] as JsonObject)?.DeepCopy() ?? new JsonObject();
        selector[CanaryNames.PodLabel] = canary.GetName();
        var ports = new JsonArray();
        foreach (var port in (main["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var copy = new JsonObject { ["port"] = port["port"]?.DeepClone(), ["protocol"] = port["protocol"]?.DeepClone() ?? "TCP" };
            foreach (var field in new[] { "name", "targetPort", "appProtocol" })
            {
                if (port[field] is { } value)
                {
                    copy[field] = value.DeepClone();
                }
            }

            ports.Add(copy);
        }

        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["ownerReferences"] = new JsonArray(OwnerRef(canary)) },
            ["spec"] = new JsonObject { ["clusterIP"] = "None", ["selector"] = selector, ["ports"] = ports },
        };
        try
        {
            await _kube.CoreV1.CreateNamespacedServiceAsync(KubernetesJson.Deserialize<V1Service>(body.ToJsonString()), ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>Writes (or, with null, removes) the split annotations on the main Service when they differ.</summary>
    private async Task SetServiceSplitAsync(JsonObject canary, CanarySettings settings, int? weight, CancellationToken ct)
    {
        var ns = canary.GetNamespace();
        if (_services.Cache.Get($"{ns}/{settings.Service}") is not { } service)
        {
            return;
        }

        var annotations = service["metadata"]?["annotations"] as JsonObject;
        var currentWeight = annotations?[CanaryNames.ServiceWeightAnnotation]?.GetValue<string>();
        var currentService = annotations?[CanaryNames.ServiceCanaryAnnotation]?.GetValue<string>();
        var wantedWeight = weight?.ToString(CultureInfo.InvariantCulture);
        var wantedService = weight is null ? null : CanaryNames.CanaryService(settings.Service);
        if (currentWeight == wantedWeight && currentService == wantedService)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject { [CanaryNames.ServiceWeightAnnotation] = wantedWeight, [CanaryNames.ServiceCanaryAnnotation] = wantedService },
            },
        };
        await _kube.CoreV1.PatchNamespacedServiceAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), settings.Service, ns, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A copy of the Ingress whose paths to the Service go to the canary Service instead, marked as its canary with the
    /// step's weight (the ingress adds it to the primary's routes, Capstan.Network's IngressAnnotations.CanaryWeight).
    /// </summary>
    private async Task EnsureCanaryIngressAsync(JsonObject canary, CanarySettings settings, string ingressName, int weight, CancellationToken ct)
    {
        var ns = canary.GetNamespace();
        var name = CanaryNames.CanaryIngress(ingressName);
        var weightText = weight.ToString(CultureInfo.InvariantCulture);
        V1Ingress? existing = null;
        try
        {
            existing = await _kube.NetworkingV1.ReadNamespacedIngressAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        if (existing is not null)
        {
            if (existing.Metadata.Annotations is not { } current || !current.TryGetValue(CanaryNames.ServiceWeightAnnotation, out var currentWeight) || currentWeight != weightText)
            {
                var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [CanaryNames.ServiceWeightAnnotation] = weightText } } };
                await _kube.NetworkingV1.PatchNamespacedIngressAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: ct).ConfigureAwait(false);
            }

            return;
        }

        V1Ingress primary;
        try
        {
            primary = await _kube.NetworkingV1.ReadNamespacedIngressAsync(ingressName, ns, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }

        var canaryService = CanaryNames.CanaryService(settings.Service);
        var rules = new List<V1IngressRule>();
        foreach (var rule in primary.Spec?.Rules ?? [])
        {
            var paths = (rule.Http?.Paths ?? []).Where(p => p.Backend?.Service?.Name == settings.Service)
                .Select(p => new V1HTTPIngressPath
                {
                    Path = p.Path,
                    PathType = p.PathType,
                    Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = canaryService, Port = p.Backend.Service.Port } },
                })
                .ToList();
            if (paths.Count > 0)
            {
                rules.Add(new V1IngressRule { Host = rule.Host, Http = new V1HTTPIngressRuleValue { Paths = paths } });
            }
        }

        var owner = OwnerRef(canary);
        var body = new V1Ingress
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Annotations = new Dictionary<string, string> { [CanaryNames.ServiceWeightAnnotation] = weightText },
                OwnerReferences = [KubernetesJson.Deserialize<V1OwnerReference>(owner.ToJsonString())],
            },
            Spec = new V1IngressSpec { IngressClassName = primary.Spec?.IngressClassName, Rules = rules },
        };
        await _kube.NetworkingV1.CreateNamespacedIngressAsync(body, ns, cancellationToken: ct).ConfigureAwait(false);
    }

    private async Task<TrafficSample> SampleAsync(JsonObject canary, CanarySettings settings, CancellationToken ct)
    {
        var ips = new HashSet<IPAddress>();
        foreach (var pod in CanaryPods(canary))
        {
            if (pod["status"]?["podIP"]?.GetValue<string>() is { } text && IPAddress.TryParse(text, out var ip))
            {
                ips.Add(ip);
            }
        }

        try
        {
            return await _metrics.SampleAsync(canary.GetNamespace(), settings.Service, CanaryNames.CanaryService(settings.Service), ips, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            LogMetricsFailed(_logger, canary.GetKey(), ex);
            return TrafficSample.Empty;
        }
    }

    private List<JsonObject> CanaryPods(JsonObject canary) =>
        [.. _pods.Cache.ByIndex(IndexedCache.NamespaceIndex, canary.GetNamespace())
            .Where(p => p["metadata"]?["labels"]?[CanaryNames.PodLabel]?.GetValue<string>() == canary.GetName())];

    private async Task EnsurePausedAsync(JsonObject d, bool paused, CancellationToken ct)
    {
        if ((d["spec"]?["paused"] is JsonValue v && v.TryGetValue<bool>(out var p) && p) == paused)
        {
            return;
        }

        var patch = new JsonObject { ["spec"] = new JsonObject { ["paused"] = paused } };
        await _kube.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), d.GetName(), d.GetNamespace(), cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A merge patch of the status subresource (keys gone from <paramref name="status"/> set to null): the controller's own
    /// annotation and finalizer patches bump the resourceVersion, and a conflict after a rollback's side effects would
    /// otherwise replay the step on a changed Deployment.
    /// </summary>
    private async Task WriteStatusAsync(JsonObject canary, JsonObject status, CancellationToken ct)
    {
        if (!StatusDiff.Differs(canary, status))
        {
            return;
        }

        var body = status.DeepCopy();
        foreach (var (key, _) in canary["status"] as JsonObject ?? [])
        {
            if (!body.ContainsKey(key))
            {
                body[key] = null;
            }
        }

        try
        {
            var written = await _kube.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch(new JsonObject { ["status"] = body }.ToJsonString(), V1Patch.PatchType.MergePatch),
                CanaryNames.Group, "v1alpha1", canary.GetNamespace(), "canaries", canary.GetName(), cancellationToken: ct).ConfigureAwait(false);
            if (JsonNode.Parse(KubernetesJson.Serialize(written)) is JsonObject obj && ResourceVersion(obj) is { } rv)
            {
                _written[canary.GetUid()] = (rv, status.DeepCopy());
            }
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private Task PatchCanaryAsync(JsonObject canary, JsonObject patch, CancellationToken ct) =>
        _kube.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), CanaryNames.Group, "v1alpha1", canary.GetNamespace(), "canaries", canary.GetName(), cancellationToken: ct);

    private Task RemoveAnnotationAsync(JsonObject canary, string annotation, CancellationToken ct) =>
        PatchCanaryAsync(canary, new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [annotation] = null } } }, ct);

    private void StartStep(JsonObject status, CanarySettings settings, int step, string hash)
    {
        status["currentStep"] = step;
        status["canaryWeight"] = settings.Steps[step];
        status["canaryRevision"] = hash;
        status["stepStartTime"] = Now();
        status["message"] = $"step {step + 1} of {settings.Steps.Count}: {settings.Steps[step]}% of traffic to revision {hash}";
    }

    /// <summary>The Deployment runs <paramref name="hash"/> on every replica, all available, and no old pod is left.</summary>
    private bool RolledOut(JsonObject d, string hash)
    {
        var status = d["status"] as JsonObject ?? [];
        var replicas = Replicas(d);
        var observed = status.Long("observedGeneration") ?? 0;
        var generation = JsonAccess.AsLong(d["metadata"]?["generation"]) ?? 0;
        var newRs = _replicaSets.Cache.Get($"{d.GetNamespace()}/{d.GetName()}-{hash}");
        return observed >= generation && newRs is not null
            && (status.Long("updatedReplicas") ?? 0) == replicas
            && (status.Long("availableReplicas") ?? 0) == replicas
            && (status.Long("replicas") ?? 0) == replicas;
    }

    private void SetCondition(JsonObject status, string value, string reason, string message)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.StrOrEmpty("type") == CanaryNames.ConditionPromoted);
        var transition = existing is not null && existing.StrOrEmpty("status") == value ? existing["lastTransitionTime"]?.DeepClone() : Now();
        var condition = new JsonObject
        {
            ["type"] = CanaryNames.ConditionPromoted,
            ["status"] = value,
            ["reason"] = reason,
            ["message"] = message,
            ["lastTransitionTime"] = transition,
        };
        var rest = conditions.OfType<JsonObject>().Where(c => c.StrOrEmpty("type") != CanaryNames.ConditionPromoted).Select(c => (JsonNode)c.DeepClone());
        status["conditions"] = new JsonArray([.. rest, condition]);
    }

    private JsonNode Now() => JsonValue.Create(Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static DateTimeOffset? StepStart(JsonObject status) =>
        status.Str("stepStartTime") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static long? ResourceVersion(JsonObject obj) =>
        long.TryParse(obj["metadata"]?["resourceVersion"]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;

    private static int Replicas(JsonObject d) => (int)(JsonAccess.AsLong(d["spec"]?["replicas"]) ?? 1);

    private static string? Annotation(JsonObject obj, string key) => obj["metadata"]?["annotations"]?[key]?.GetValue<string>();

    private static IEnumerable<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f?.GetValue<string>()).OfType<string>();

    private static bool HasFinalizer(JsonObject canary) => Finalizers(canary).Contains(CanaryNames.Finalizer);

    private static bool OwnedBy(JsonObject obj, JsonObject canary) => obj.GetOwnerReferences().Any(r => r.Uid == canary.GetUid());

    private static JsonObject OwnerRef(JsonObject canary) => new()
    {
        ["apiVersion"] = CanaryNames.ApiVersion,
        ["kind"] = "Canary",
        ["name"] = canary.GetName(),
        ["uid"] = canary.GetUid(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    // Server defaults (imagePullPolicy, terminationMessagePath...) make the stored template differ from ours; compare what we set.
    private static JsonNode? Normalized(JsonNode? template)
    {
        var copy = template?.DeepClone() as JsonObject;
        if (copy is null)
        {
            return null;
        }

        return new JsonObject
        {
            ["labels"] = copy["metadata"]?["labels"]?.DeepClone(),
            ["images"] = new JsonArray([.. (copy["spec"]?["containers"] as JsonArray ?? []).Select(c => (JsonNode?)c?["image"]?.DeepClone())]),
            ["env"] = new JsonArray([.. (copy["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["env"]?.DeepClone())]),
            ["args"] = new JsonArray([.. (copy["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["args"]?.DeepClone())]),
            ["command"] = new JsonArray([.. (copy["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["command"]?.DeepClone())]),
        };
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "canary {Key}: reading traffic figures failed")]
    private static partial void LogMetricsFailed(ILogger logger, string key, Exception ex);
}
