namespace Capstan.Network.Ingress;

/// <summary>One backend of a route: the YARP cluster of a service port and its share of the route's traffic.</summary>
public readonly record struct WeightedBackend(string ClusterId, int Weight);
