namespace Capstan.Network.Proxy;

/// <summary>How the proxy copies TCP payload between a client and its backend.</summary>
public enum ProxyRelayMode
{
    /// <summary>.NET async sockets with pooled buffers, one per direction.</summary>
    Buffer,

    /// <summary>Linux splice(2) through a pipe per direction: no copy into user space.</summary>
    Splice,

    /// <summary>Dedicated epoll event-loop threads (one per CPU) doing recv/send directly: no thread-pool hops.</summary>
    Epoll,
}
