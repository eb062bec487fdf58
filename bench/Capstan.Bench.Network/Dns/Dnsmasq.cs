using System.Diagnostics;
using System.Globalization;

namespace Capstan.Bench.Network.Dns;

/// <summary>dnsmasq serving an addn-hosts file on a loopback port, with no upstream (the peer of the cluster DNS).</summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    public const string Path = "/usr/sbin/dnsmasq";

    private readonly Process _process;

    private Dnsmasq(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public static Dnsmasq Start(string hostsFile, int port, int ttlSeconds)
    {
        var start = new ProcessStartInfo(Path) { UseShellExecute = false, RedirectStandardError = false };
        foreach (var arg in new[]
        {
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
            "--addn-hosts=" + hostsFile, "--listen-address=127.0.0.1", "--bind-interfaces",
            "--port=" + port.ToString(CultureInfo.InvariantCulture), "--local-ttl=" + ttlSeconds.ToString(CultureInfo.InvariantCulture),
            "--cache-size=10000", "--pid-file=", "--user=root",
        })
        {
            start.ArgumentList.Add(arg);
        }

        return new Dnsmasq(Process.Start(start)!, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
