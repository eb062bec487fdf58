using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Capstan.Network.Dns;

/// <summary>
/// Forwards questions outside the cluster zone to upstream nameservers, in order until one answers. ARSoft's client
/// asks over UDP and repeats the question over TCP when the UDP answer comes back truncated.
/// </summary>
public sealed class UpstreamForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout) : IDisposable
{
    private readonly DnsClient[] _clients = [.. upstreams.Select(e => new DnsClient(
        [e.Address],
        [new UdpClientTransport(e.Port), new TcpClientTransport(e.Port)],
        true,
        (int)timeout.TotalMilliseconds))];

    private static readonly DnsQueryOptions s_options = new() { IsRecursionDesired = true, IsEDnsEnabled = true };

    public IReadOnlyList<IPEndPoint> Upstreams => upstreams;

    /// <summary>The first upstream answer (any return code), or null when none answered.</summary>
    public async Task<DnsMessage?> ForwardAsync(DomainName name, RecordType type, RecordClass recordClass, CancellationToken ct)
    {
        foreach (var client in _clients)
        {
            try
            {
                var answer = await client.ResolveAsync(name, type, recordClass, s_options, ct).ConfigureAwait(false);
                if (answer is not null)
                {
                    return answer;
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                // The next upstream gets its chance.
            }
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            (client as IDisposable)?.Dispose();
        }
    }
}
