using System.Net;

namespace Capstan.Network.Catalog;

/// <summary>One endpoint of a service as DNS needs it: its addresses, hostname and whether it is ready.</summary>
public sealed record EndpointView(IReadOnlyList<IPAddress> Addresses, string? Hostname, string? NodeName, string? PodName, bool Ready, bool Serving, bool Terminating);
