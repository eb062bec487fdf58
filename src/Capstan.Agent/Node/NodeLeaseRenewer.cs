using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Agent.Node;

/// <summary>
/// Keeps the Lease kube-node-lease/&lt;node&gt; renewed: the node lifecycle controller reads it as the node's heartbeat.
/// The lease is owned by the Node, so it goes when the Node is deleted.
/// </summary>
internal sealed partial class NodeLeaseRenewer
{
    public const string LeaseNamespace = "kube-node-lease";

    private readonly IKubernetes _client;
    private readonly AgentOptions _options;
    private readonly Func<string> _nodeUid;
    private readonly ILogger _logger;
    private V1Lease? _lease;

    public NodeLeaseRenewer(IKubernetes client, AgentOptions options, Func<string> nodeUid, ILogger logger)
    {
        _client = client;
        _options = options;
        _nodeUid = nodeUid;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RenewAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or TaskCanceledException)
            {
                _lease = null;
                LogRenewFailed(ex, _options.NodeName);
            }

            try
            {
                await Task.Delay(_options.LeaseRenewInterval, _options.TimeProvider, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task RenewAsync(CancellationToken ct)
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var lease = _lease;
        if (lease is null)
        {
            try
            {
                lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.NodeName, LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                _lease = await _client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = _options.NodeName,
                        NamespaceProperty = LeaseNamespace,
                        OwnerReferences = _nodeUid() is { Length: > 0 } uid
                            ? [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = _options.NodeName, Uid = uid }]
                            : null,
                    },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = _options.NodeName,
                        LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds,
                        RenewTime = now,
                    },
                }, LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
                return;
            }
        }

        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = _options.NodeName;
        lease.Spec.LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds;
        lease.Spec.RenewTime = now;
        try
        {
            _lease = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.NodeName, LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Someone else wrote it (or it was deleted): read it again next time.
            _lease = null;
            throw;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "renewing the lease of node {Node} failed")]
    private partial void LogRenewFailed(Exception ex, string node);
}
