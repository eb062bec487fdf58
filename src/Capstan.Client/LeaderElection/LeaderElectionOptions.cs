namespace Capstan.Client.LeaderElection;

/// <summary>Where the lease lives and client-go's default timings (15 s lease, 10 s renew deadline, 2 s retry).</summary>
public sealed record LeaderElectionOptions
{
    public string LeaseNamespace { get; init; } = "kube-system";

    public required string LeaseName { get; init; }

    /// <summary>This candidate's holderIdentity; unique per process.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A leader that has not renewed for this long stops leading (before others may take over at LeaseDuration).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Give the lease up on cancellation so a successor need not wait for it to expire.</summary>
    public bool ReleaseOnCancel { get; init; } = true;
}
