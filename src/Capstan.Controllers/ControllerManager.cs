using Capstan.Client.Dynamic;
using Capstan.Client.Informers;
using Capstan.Client.LeaderElection;
using Capstan.Client.Reconciling;
using Capstan.Controllers.Namespace;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Controllers;

/// <summary>Runs the built-in controllers over one API client, optionally only while this process holds the leader lease.</summary>
public static partial class ControllerManager
{
    /// <summary>Runs until <paramref name="ct"/> is cancelled, then stops every controller and informer.</summary>
    public static async Task RunAsync(IKubernetes client, ControllerManagerOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var logger = loggerFactory.CreateLogger(typeof(ControllerManager));
        if (options.LeaderElection && options.Informers is not null)
        {
            throw new ArgumentException("shared informers cannot be used with leader election", nameof(options));
        }

        if (!options.LeaderElection)
        {
            await RunControllersAsync(client, options, loggerFactory, ct).ConfigureAwait(false);
            return;
        }

        var elector = new LeaderElector(
            client,
            new LeaderElectionOptions { LeaseName = options.LeaseName, LeaseNamespace = options.LeaseNamespace },
            loggerFactory.CreateLogger<LeaderElector>(),
            options.TimeProvider);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await elector.RunAsync(leading => RunControllersAsync(client, options, loggerFactory, leading), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogElectionFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), options.TimeProvider ?? TimeProvider.System, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task RunControllersAsync(IKubernetes client, ControllerManagerOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var ownInformers = options.Informers is null;
        var informers = options.Informers ?? new SharedInformerFactory(new DynamicClient(client), loggerFactory, options.TimeProvider);
        var logger = loggerFactory.CreateLogger(typeof(ControllerManager));
        var controllers = new List<Controller>();
        if (options.EnableNamespaceController)
        {
            controllers.Add(new NamespaceController(informers, loggerFactory, options.NamespaceWorkers, options.TimeProvider));
        }

        if (options.EnableGarbageCollector)
        {
            controllers.Add(new GarbageCollector.GarbageCollector(informers, loggerFactory, options.GarbageCollectorWorkers, options.TimeProvider));
        }

        if (options.EnableReplicaSetController)
        {
            controllers.Add(new ReplicaSet.ReplicaSetController(informers, loggerFactory, options.ReplicaSetWorkers, options.TimeProvider));
        }

        if (options.EnableDeploymentController)
        {
            controllers.Add(new Deployment.DeploymentController(informers, loggerFactory, options.DeploymentWorkers, options.TimeProvider, options.AutoRollbackByDefault));
        }

        if (options.EnableCanaryController)
        {
            controllers.Add(new Canary.CanaryController(informers, loggerFactory, options.CanaryMetrics ?? Canary.PrometheusCanaryMetrics.Default, time: options.TimeProvider));
        }

        if (options.EnableStatefulSetController)
        {
            controllers.Add(new StatefulSet.StatefulSetController(informers, loggerFactory, options.StatefulSetWorkers, options.TimeProvider));
        }

        if (options.EnableDaemonSetController)
        {
            controllers.Add(new DaemonSet.DaemonSetController(informers, loggerFactory, options.DaemonSetWorkers, options.TimeProvider));
        }

        if (options.EnableNodeLifecycleController)
        {
            controllers.Add(new NodeLifecycle.NodeLifecycleController(informers, loggerFactory, options.NodeLifecycle, options.NodeLifecycleWorkers, options.TimeProvider));
        }

        if (options.EnableTaintEvictionController)
        {
            controllers.Add(new NodeLifecycle.TaintEvictionController(informers, loggerFactory, options.TaintEvictionWorkers, options.TimeProvider));
        }

        if (options.EnablePodGarbageCollector)
        {
            controllers.Add(new PodGarbageCollector.PodGarbageCollector(informers, loggerFactory, options.PodGarbageCollector, options.TimeProvider));
        }

        if (options.EnableDisruptionController)
        {
            controllers.Add(new Disruption.DisruptionController(informers, loggerFactory, options.DisruptionWorkers, options.TimeProvider));
        }

        if (options.EnableResourceQuotaController)
        {
            controllers.Add(new ResourceQuota.ResourceQuotaController(informers, loggerFactory, time: options.TimeProvider));
        }

        if (options.EnableEndpointsController)
        {
            controllers.Add(new Endpoints.EndpointsController(informers, loggerFactory, options.EndpointsWorkers, options.TimeProvider));
        }

        if (options.EnableEndpointSliceController)
        {
            controllers.Add(new EndpointSlice.EndpointSliceController(informers, loggerFactory, options.EndpointSliceWorkers, options.TimeProvider, options.MaxEndpointsPerSlice));
        }

        if (options.EnableEndpointSliceMirroringController)
        {
            controllers.Add(new EndpointSliceMirroring.EndpointSliceMirroringController(informers, loggerFactory, options.EndpointSliceMirroringWorkers, options.TimeProvider));
        }

        if (options.KubernetesServiceEndpoint is { } apiServer)
        {
            controllers.Add(new Endpoints.KubernetesServiceEndpointsController(informers, apiServer, loggerFactory, options.TimeProvider));
        }

        if (options.EnableServiceLoadBalancerController)
        {
            controllers.Add(new ServiceLoadBalancer.ServiceLoadBalancerController(informers, loggerFactory, options.ServiceLoadBalancerWorkers, options.TimeProvider));
        }

        if (options.EnableServiceAccountController)
        {
            controllers.Add(new ServiceAccounts.ServiceAccountsController(informers, loggerFactory, time: options.TimeProvider));
        }

        if (options.RootCaPem is { Length: > 0 } rootCa)
        {
            controllers.Add(new ServiceAccounts.RootCaPublisher(informers, rootCa, loggerFactory, time: options.TimeProvider));
        }

        if (options.ClusterSigning is { } signing)
        {
            controllers.Add(new Certificates.CertificateSigningController(informers, Certificates.ClusterSigner.Load(signing.CertificateFile, signing.KeyFile), loggerFactory, time: options.TimeProvider));
        }

        if (options.EnableVolumeControllers)
        {
            controllers.Add(new Volumes.Binding.PersistentVolumeBinderController(informers, loggerFactory, time: options.TimeProvider));
            controllers.Add(new Volumes.Protection.ClaimProtectionController(informers, loggerFactory, time: options.TimeProvider));
            controllers.Add(new Volumes.Protection.VolumeProtectionController(informers, loggerFactory, time: options.TimeProvider));
            controllers.Add(new Volumes.Ephemeral.EphemeralVolumeController(informers, loggerFactory, time: options.TimeProvider));
        }

        informers.Start(ct);
        foreach (var controller in controllers)
        {
            await controller.StartAsync(ct).ConfigureAwait(false);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            // Each stop is bounded and named when it overruns, so one stuck controller neither hangs shutdown nor goes unnoticed.
            foreach (var controller in controllers)
            {
                try
                {
                    await controller.StopAsync(CancellationToken.None).WaitAsync(StopTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    LogStopTimeout(logger, controller.Name, StopTimeout.TotalSeconds);
                }

                controller.Dispose();
            }

            try
            {
                if (ownInformers)
                {
                    await informers.DisposeAsync().AsTask().WaitAsync(StopTimeout).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                LogStopTimeout(logger, "informers", StopTimeout.TotalSeconds);
            }
        }
    }

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{Component} did not stop within {Seconds} s; leaving it behind")]
    private static partial void LogStopTimeout(ILogger logger, string component, double seconds);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "leader election failed; retrying")]
    private static partial void LogElectionFailed(ILogger logger, Exception ex);
}
