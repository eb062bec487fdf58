using System.Net;
using System.Net.Sockets;

namespace Capstan.Api.Validation;

/// <summary>Port, IP and CIDR checks, worded as Kubernetes words them.</summary>
public static class NetworkFormats
{
    public const string PortRangeError = "must be between 1 and 65535, inclusive";

    public static IReadOnlyList<string> IsValidPortNum(long port) => port is >= 1 and <= 65535 ? [] : [PortRangeError];

    /// <summary>An IANA_SVC_NAME: at most 15 characters, a-z0-9 and '-', at least one letter, no leading, trailing or double '-'.</summary>
    public static IReadOnlyList<string> IsValidPortName(string port)
    {
        var errs = new List<string>();
        if (port.Length > 15)
        {
            errs.Add(NameFormats.MaxLenError(15));
        }

        if (!port.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            errs.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }

        if (!port.Any(c => c is >= 'a' and <= 'z'))
        {
            errs.Add("must contain at least one letter (a-z)");
        }

        if (port.Contains("--", StringComparison.Ordinal))
        {
            errs.Add("must not contain consecutive hyphens");
        }

        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-'))
        {
            errs.Add("must not begin or end with a hyphen");
        }

        return errs;
    }

    public static bool IsIP(string value) => ParseIP(value) is not null;

    /// <summary>Parses an IP in the strict form Kubernetes accepts (no zone, no leading zeros in IPv4).</summary>
    public static IPAddress? ParseIP(string value)
    {
        if (value.Length == 0 || value.Contains('%') || !IPAddress.TryParse(value, out var ip))
        {
            return null;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var parts = value.Split('.');
            if (parts.Length != 4 || parts.Any(p => p.Length == 0 || p.Length > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit)))
            {
                return null;
            }
        }

        return ip;
    }

    public static bool IsIPv4(string value) => ParseIP(value)?.AddressFamily == AddressFamily.InterNetwork;

    public static bool IsIPv6(string value) => ParseIP(value)?.AddressFamily == AddressFamily.InterNetworkV6;

    public static IReadOnlyList<string> IsValidIP(string value) =>
        IsIP(value) ? [] : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];

    public static IReadOnlyList<string> IsValidCidr(string value)
    {
        var slash = value.IndexOf('/');
        if (slash > 0 && ParseIP(value[..slash]) is { } ip && int.TryParse(value[(slash + 1)..], out var bits)
            && value[(slash + 1)..].All(char.IsAsciiDigit)
            && bits >= 0 && bits <= (ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            return [];
        }

        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
    }
}
