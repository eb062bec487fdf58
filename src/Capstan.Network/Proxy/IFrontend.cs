namespace Capstan.Network.Proxy;

/// <summary>One bound listener (TCP or UDP) forwarding to a service port's backends.</summary>
internal interface IFrontend : IDisposable
{
    ListenerKey Key { get; }

    /// <summary>Which service port and traffic scope new connections go to; swapped in place, without rebinding.</summary>
    FrontendRoute Route { get; set; }
}

/// <summary>The service port and traffic scope behind a listener.</summary>
internal sealed record FrontendRoute(ServicePortState State, TrafficScope Scope);
