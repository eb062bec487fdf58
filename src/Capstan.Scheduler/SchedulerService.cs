using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Scheduler;

/// <summary>The scheduler as a service: informers on pods and nodes, the scheduling loop, the binder and the event writer.</summary>
public static partial class SchedulerService
{
    internal static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true, ["get", "list", "watch"]);
    internal static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false, ["get", "list", "watch"]);
    internal static readonly ApiResource PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["get", "list", "watch"]);
    internal static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", false, ["get", "list", "watch"]);

    /// <summary>Runs until <paramref name="ct"/> is cancelled.</summary>
    public static async Task RunAsync(IKubernetes client, SchedulerOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        options.Validate();
        var logger = loggerFactory.CreateLogger(typeof(SchedulerService));
        await using var owned = options.Informers is null ? new SharedInformerFactory(new DynamicClient(client), loggerFactory, options.TimeProvider) : null;
        var informers = options.Informers ?? owned!;
        var nodes = informers.For(Nodes);
        var pods = informers.For(Pods);
        var (volumeFilters, volumeInformers) = Plugins.VolumeInformers.Create(informers, pods);
        using var scheduler = new Scheduler(client, options, loggerFactory, volumeFilters);
        Plugins.VolumeInformers.RetryPendingOnChange(volumeInformers, scheduler.Queue.MoveAllToActiveOrBackoff);
        var namespaces = informers.For(Namespaces, metadataOnly: true);
        var budgets = informers.For(PodDisruptionBudgets);
        scheduler.DisruptionBudgets = () => [.. budgets.Cache.List().Select(Framework.DisruptionBudget.Parse)];
        namespaces.AddEventHandler(new ResourceEventHandler { OnAdd = scheduler.OnNamespace, OnUpdate = (_, ns) => scheduler.OnNamespace(ns), OnDelete = scheduler.OnNamespaceDelete });
        // Nodes first, so the first pods are decided against a full picture of the cluster.
        nodes.AddEventHandler(new ResourceEventHandler { OnAdd = scheduler.OnNodeAdd, OnUpdate = scheduler.OnNodeUpdate, OnDelete = scheduler.OnNodeDelete });
        pods.AddEventHandler(new ResourceEventHandler { OnAdd = scheduler.OnPodAdd, OnUpdate = scheduler.OnPodUpdate, OnDelete = scheduler.OnPodDelete });
        informers.Start(ct);
        var recorder = scheduler.RunRecorderAsync(ct);
        try
        {
            await nodes.WaitForSyncAsync(ct).ConfigureAwait(false);
            await pods.WaitForSyncAsync(ct).ConfigureAwait(false);
            await Task.WhenAll(volumeInformers.Select(i => i.WaitForSyncAsync(ct))).ConfigureAwait(false);
            await namespaces.WaitForSyncAsync(ct).ConfigureAwait(false);
            LogStarted(logger, options.SchedulerName, scheduler.Cache.NodeCount);
            await scheduler.RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await recorder.ConfigureAwait(false);
    }
}
