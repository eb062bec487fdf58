using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.Agent.Streaming;

/// <summary>Where and how the agent's streaming endpoint (the kubelet's port 10250 API, subset) listens.</summary>
public sealed record AgentStreamingOptions
{
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    /// <summary>0 picks a free port (see <see cref="AgentStreamingServer.Port"/>).</summary>
    public int Port { get; init; } = 10250;

    /// <summary>The serving certificate with its private key; a self-signed one is generated when null.</summary>
    public X509Certificate2? ServingCertificate { get; init; }

    /// <summary>The cluster CA: only clients presenting a certificate it signed are served (the API server does).</summary>
    public required X509Certificate2 ClientCaCertificate { get; init; }

    /// <summary>Client certificates must carry one of these groups (O=) or user names (CN=); others get 403.</summary>
    public IReadOnlyList<string> AllowedClients { get; init; } = ["system:masters", "capstan:apiserver"];

    /// <summary>How often a followed log is checked for new lines, rotation and the container's exit.</summary>
    public TimeSpan LogPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
