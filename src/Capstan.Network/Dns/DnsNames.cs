using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Capstan.Network.Dns;

/// <summary>The name forms of the Kubernetes DNS schema: reverse-lookup names and dashed addresses.</summary>
public static class DnsNames
{
    /// <summary>`4.3.2.1.in-addr.arpa` for 1.2.3.4; nibbles reversed under `ip6.arpa` for IPv6.</summary>
    public static string Reverse(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var builder = new StringBuilder(72);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                builder.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }

            return builder.Append("in-addr.arpa").ToString();
        }

        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            builder.Append("0123456789abcdef"[bytes[i] & 0xf]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }

        return builder.Append("ip6.arpa").ToString();
    }

    /// <summary>`10-0-0-1` for 10.0.0.1, `fd00--1` for fd00::1: the label pod records and unnamed endpoints use.</summary>
    public static string Dashed(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? address.ToString().Replace('.', '-') : address.ToString().Replace(':', '-');

    /// <summary>The address a dashed label encodes, or null.</summary>
    public static IPAddress? ParseDashed(ReadOnlySpan<char> label)
    {
        Span<char> text = stackalloc char[Math.Min(label.Length, 64)];
        if (label.Length > text.Length)
        {
            return null;
        }

        // Four dashed numbers are IPv4; anything else with dashes may be IPv6 (`fd00--1`).
        var v4 = label.Count('-') == 3 && label.IndexOfAnyExcept("0123456789-") < 0;
        for (var i = 0; i < label.Length; i++)
        {
            text[i] = label[i] == '-' ? (v4 ? '.' : ':') : label[i];
        }

        return IPAddress.TryParse(text[..label.Length], out var address) ? address : null;
    }
}
