namespace Capstan.Network.Proxy;

/// <summary>The kernel refused an rtnetlink request; <see cref="Errno"/> is its positive errno.</summary>
public sealed class NetlinkException(int errno, string what) : Exception($"{what}: errno {errno}")
{
    public int Errno { get; } = errno;
}
