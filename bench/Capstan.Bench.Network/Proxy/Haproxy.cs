using System.Globalization;
using System.Net;
using System.Text;
using Capstan.Bench.Network.Processes;

namespace Capstan.Bench.Network.Proxy;

/// <summary>Debian's haproxy in TCP mode, round robin over the same backends: the peer the service proxy is measured against.</summary>
public static class Haproxy
{
    public static async Task<ChildProcess> StartAsync(IPEndPoint listen, IReadOnlyList<IPEndPoint> backends, CancellationToken ct)
    {
        var path = File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
        var config = new StringBuilder();
        config.Append(CultureInfo.InvariantCulture, $"""
            global
                maxconn 4096
            defaults
                mode tcp
                timeout connect 5s
                timeout client 60s
                timeout server 60s
            frontend bench
                bind {listen}
                default_backend services
            backend services
                balance roundrobin

            """);
        for (var i = 0; i < backends.Count; i++)
        {
            config.Append(CultureInfo.InvariantCulture, $"    server b{i} {backends[i]}\n");
        }

        var configPath = Path.Combine(Path.GetTempPath(), "capstan-bench-haproxy-" + Guid.NewGuid().ToString("N")[..8] + ".cfg");
        await File.WriteAllTextAsync(configPath, config.ToString(), ct).ConfigureAwait(false);
        var process = ChildProcess.Start(path, ["-db", "-f", configPath], configPath + ".log");
        try
        {
            await ProxyScenario.WaitAnswersAsync(listen, ct).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // haproxy has read its configuration; its log stays for a failed run.
        File.Delete(configPath);
        return process;
    }
}
