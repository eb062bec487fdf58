using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Capstan.Client.LeaderElection;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease. A candidate takes the lease when it is absent, released, or not
/// renewed within leaseDurationSeconds as seen on this candidate's own clock (so clock skew between candidates does not
/// matter); the leader renews every retry period and stops leading when it has not renewed within the renew deadline.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private string? _observedRecord;
    private long _observedAt;

    public LeaderElector(IKubernetes client, LeaderElectionOptions options, ILogger logger, TimeProvider? time = null)
    {
        _client = client;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    public bool IsLeader { get; private set; }

    /// <summary>
    /// Waits to acquire the lease, then runs <paramref name="onStartedLeading"/> with a token that is cancelled when
    /// leadership is lost or <paramref name="ct"/> is cancelled. Returns when either happens (after the callback returned).
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, CancellationToken ct)
    {
        while (!await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
        {
            await Task.Delay(Jittered(_options.RetryPeriod), _time, ct).ConfigureAwait(false);
        }

        IsLeader = true;
        LogAcquired(_options.LeaseNamespace, _options.LeaseName, _options.Identity);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = Task.Run(() => onStartedLeading(leading.Token), CancellationToken.None);
        try
        {
            await RenewLoopAsync(leading.Token).ConfigureAwait(false);
        }
        finally
        {
            IsLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            if (_options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        var lastRenew = _time.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            bool renewed;
            try
            {
                renewed = await TryAcquireOrRenewAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(ex, _options.LeaseName);
                renewed = false;
            }

            if (renewed)
            {
                lastRenew = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(lastRenew) > _options.RenewDeadline)
            {
                LogLost(_options.LeaseNamespace, _options.LeaseName, _options.Identity);
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        V1Lease? lease;
        try
        {
            lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            lease = null;
        }

        if (lease is null)
        {
            try
            {
                await _client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
                {
                    Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = _options.Identity,
                        LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds,
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                }, _options.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
                return true;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
            {
                return false;
            }
        }

        lease.Spec ??= new V1LeaseSpec();
        var record = $"{lease.Spec.HolderIdentity}|{lease.Spec.RenewTime:O}|{lease.Spec.LeaseTransitions}";
        if (record != _observedRecord)
        {
            _observedRecord = record;
            _observedAt = _time.GetTimestamp();
        }

        var holder = lease.Spec.HolderIdentity;
        var mine = holder == _options.Identity;
        var duration = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? (int)_options.LeaseDuration.TotalSeconds);
        if (!mine && !string.IsNullOrEmpty(holder) && _time.GetElapsedTime(_observedAt) < duration)
        {
            return false;
        }

        if (!mine)
        {
            lease.Spec.AcquireTime = now;
            lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + (string.IsNullOrEmpty(holder) ? 0 : 1);
        }

        lease.Spec.HolderIdentity = _options.Identity;
        lease.Spec.LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds;
        lease.Spec.RenewTime = now;
        try
        {
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.LeaseNamespace, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(_options.RetryPeriod * 2);
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.LeaseNamespace, cancellationToken: cts.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            // As client-go does: an empty holder and a 1 s duration let the next candidate take over at once.
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.LeaseNamespace, cancellationToken: cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReleaseFailed(ex, _options.LeaseName);
        }
    }

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "acquired lease {Namespace}/{Name} as {Identity}")]
    private partial void LogAcquired(string @namespace, string name, string identity);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "lost lease {Namespace}/{Name} held as {Identity}")]
    private partial void LogLost(string @namespace, string name, string identity);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "renewing lease {Name} failed")]
    private partial void LogRenewFailed(Exception ex, string name);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "releasing lease {Name} failed")]
    private partial void LogReleaseFailed(Exception ex, string name);
}
