using System.Net;

namespace Capstan.Network.Catalog;

/// <summary>
/// One endpoint address and port behind a service port, with the EndpointSlice conditions: Ready (serving and not
/// terminating), Serving (passes readiness, even while terminating) and Terminating.
/// </summary>
public sealed record Backend(IPAddress Address, int Port, bool Ready, bool Serving, bool Terminating, string? NodeName)
{
    public IPEndPoint EndPoint { get; } = new(Address, Port);

    /// <summary>A canary pod of a Service whose traffic is split (<see cref="CanaryAnnotations"/>).</summary>
    public bool Canary { get; init; }
}
