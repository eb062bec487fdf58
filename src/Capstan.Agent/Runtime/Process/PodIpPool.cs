using System.Net;

namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// IPv4 addresses of a CIDR handed to sandboxes, skipping those ending in .0 and .1 (network- and gateway-looking)
/// and the CIDR's broadcast address. Allocation moves round-robin from the last address given, so a released IP is not handed
/// out again at once. Not thread-safe: callers hold their lock.
/// </summary>
public sealed class PodIpPool
{
    private readonly uint _first;
    private readonly uint _last;
    private readonly HashSet<uint> _used = [];
    private uint _next;

    public PodIpPool(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out var prefix) || prefix is < 8 or > 30)
        {
            throw new ArgumentException($"pod CIDR '{cidr}' is not an IPv4 CIDR with a prefix between /8 and /30", nameof(cidr));
        }

        var mask = uint.MaxValue << (32 - prefix);
        _first = ToUInt(address) & mask;
        _last = _first | ~mask;
        _next = _first;
        Cidr = cidr;
    }

    public string Cidr { get; }

    public int InUse => _used.Count;

    /// <summary>Marks an address as taken (a sandbox re-adopted after a restart); false if it is outside the CIDR or taken.</summary>
    public bool Reserve(string ip)
    {
        var value = ToUInt(IPAddress.Parse(ip));
        return value >= _first && value <= _last && _used.Add(value);
    }

    public void Release(string ip)
    {
        if (IPAddress.TryParse(ip, out var address))
        {
            _used.Remove(ToUInt(address));
        }
    }

    /// <exception cref="InvalidOperationException">Every address is in use.</exception>
    public string Allocate()
    {
        var size = _last - _first + 1;
        for (uint i = 0; i < size; i++)
        {
            _next = _next >= _last ? _first : _next + 1;
            var low = _next & 0xFF;
            if (low is 0 or 1 || _next == _last || _used.Contains(_next))
            {
                continue;
            }

            _used.Add(_next);
            return FromUInt(_next);
        }

        throw new InvalidOperationException($"no free pod IP left in {Cidr}");
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static string FromUInt(uint value) => $"{value >> 24}.{(value >> 16) & 0xFF}.{(value >> 8) & 0xFF}.{value & 0xFF}";
}
