namespace Capstan.Network.Ingress.Http1;

/// <summary>Routing and outcome reporting for the HTTP/1.1 forwarder; called on its event-loop threads, so it must not block.</summary>
internal interface IHttp1Router
{
    /// <summary>The route of a request to <paramref name="host"/> (port and trailing dot removed) and <paramref name="path"/> (decoded, no query).</summary>
    Http1Route Route(string host, string path);

    /// <summary>The request ended: the response's status (0 when none came), and whether the backend failed it.</summary>
    void Completed(in Http1Route route, int statusCode, bool backendFailed, long elapsedTicks);
}
