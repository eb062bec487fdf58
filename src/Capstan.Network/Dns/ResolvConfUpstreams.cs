using System.Net;

namespace Capstan.Network.Dns;

/// <summary>The upstream nameservers of a host's resolv.conf, minus the cluster DNS itself.</summary>
public static class ResolvConfUpstreams
{
    public const string HostPath = "/etc/resolv.conf";

    /// <summary>
    /// The `nameserver` lines of <paramref name="path"/> as port-53 endpoints, leaving out <paramref name="exclude"/>
    /// (the cluster DNS's own service IP and listener): a host whose resolv.conf points at the cluster DNS would
    /// otherwise forward every unknown name to itself forever.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> Load(string path, IEnumerable<IPEndPoint> exclude)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var excluded = exclude.ToHashSet();
        return Parse(lines).Where(e => !excluded.Contains(e)).Distinct().ToList();
    }

    public static IEnumerable<IPEndPoint> Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out var address))
            {
                yield return new IPEndPoint(address, 53);
            }
        }
    }
}
