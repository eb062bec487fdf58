namespace Capstan.Network.Catalog;

/// <summary>A service port and the endpoints behind it (from the EndpointSlice ports of the same name and protocol).</summary>
public sealed record ServicePortView(string Name, string Protocol, int Port, int NodePort, string? AppProtocol, IReadOnlyList<Backend> Backends);
