using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Hosting;

public sealed class ApiServerOptions
{
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>HTTPS port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 6443;

    public required X509Certificate2 ServingCertificate { get; set; }

    /// <summary>When set, asked for the serving certificate on every TLS handshake (so a renewed one is served at once); else <see cref="ServingCertificate"/>.</summary>
    public Func<X509Certificate2>? ServingCertificateSelector { get; set; }

    /// <summary>The CIDR Services get their ClusterIPs from.</summary>
    public string ServiceCidr { get; set; } = "10.43.0.0/16";

    /// <summary>Presented to node agents when proxying logs, exec, attach and port-forward; null disables those subresources.</summary>
    public X509Certificate2? KubeletClientCertificate { get; set; }

    /// <summary>When set, asked for the agents' client certificate on each new connection (so a renewed one is used); else <see cref="KubeletClientCertificate"/>.</summary>
    public Func<X509Certificate2?>? KubeletClientCertificateSelector { get; set; }

    /// <summary>The address clients are told to use in discovery (host:port).</summary>
    public string AdvertiseAddress { get; set; } = "127.0.0.1:6443";

    /// <summary>tolerationSeconds of the not-ready toleration added to new pods (kube-apiserver's --default-not-ready-toleration-seconds).</summary>
    public long DefaultNotReadyTolerationSeconds { get; set; } = 300;

    /// <summary>tolerationSeconds of the unreachable toleration added to new pods (kube-apiserver's --default-unreachable-toleration-seconds).</summary>
    public long DefaultUnreachableTolerationSeconds { get; set; } = 300;

    /// <summary>The audit log file (kube-apiserver's --audit-log-path); null: no audit log.</summary>
    public string? AuditLogPath { get; set; }

    /// <summary>Rotate the audit log at this size in megabytes (--audit-log-maxsize); 0 never rotates.</summary>
    public int AuditLogMaxSizeMegabytes { get; set; }

    /// <summary>An audit.k8s.io/v1 Policy deciding which requests are logged at which level (--audit-policy-file); null logs all at Metadata.</summary>
    public Audit.AuditPolicy? AuditPolicy { get; set; }

    /// <summary>How long an Event is kept after its last write (kube-apiserver's --event-ttl).</summary>
    public TimeSpan EventTtl { get; set; } = Expiry.EventExpiry.DefaultTtl;
}
