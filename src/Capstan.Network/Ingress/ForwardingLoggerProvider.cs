using Microsoft.Extensions.Logging;

namespace Capstan.Network.Ingress;

/// <summary>Sends the ingress host's logs to the server's logger factory, after the host's own filters.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
