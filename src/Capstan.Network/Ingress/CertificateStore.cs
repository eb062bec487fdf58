using System.Collections.Frozen;
using System.Net.Security;

namespace Capstan.Network.Ingress;

/// <summary>
/// The TLS certificates of the Ingresses by host, chosen by SNI during the handshake; each a certificate context built
/// once, with the chain from the Secret, so a handshake neither parses nor builds chains.
/// </summary>
public sealed class CertificateStore
{
    private readonly FrozenDictionary<string, SslStreamCertificateContext> _exact;
    private readonly FrozenDictionary<string, SslStreamCertificateContext> _wildcard;

    /// <param name="byHost">"foo.example.com" or "*.example.com" to the certificate of the Secret named for it.</param>
    public CertificateStore(IReadOnlyDictionary<string, SslStreamCertificateContext> byHost)
    {
        _exact = byHost.Where(p => !p.Key.StartsWith("*.", StringComparison.Ordinal))
            .ToFrozenDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        _wildcard = byHost.Where(p => p.Key.StartsWith("*.", StringComparison.Ordinal))
            .ToFrozenDictionary(p => p.Key[2..], p => p.Value, StringComparer.OrdinalIgnoreCase);
    }

    public static CertificateStore Empty { get; } = new(new Dictionary<string, SslStreamCertificateContext>());

    public int Count => _exact.Count + _wildcard.Count;

    /// <summary>The certificate for <paramref name="serverName"/> (exact host first, then a one-label wildcard), or null.</summary>
    public SslStreamCertificateContext? Find(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return null;
        }

        if (_exact.TryGetValue(serverName, out var certificate))
        {
            return certificate;
        }

        var dot = serverName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && _wildcard.TryGetValue(serverName[(dot + 1)..], out var wildcard) ? wildcard : null;
    }
}
