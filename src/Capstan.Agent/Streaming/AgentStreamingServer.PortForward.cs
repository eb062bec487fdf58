using Microsoft.AspNetCore.Http;

namespace Capstan.Agent.Streaming;

public sealed partial class AgentStreamingServer
{
    private static Task PortForwardAsync(HttpContext http, string ns, string pod, CancellationToken ct)
    {
        _ = ns;
        _ = pod;
        _ = ct;
        return WriteStatusAsync(http, ExecStatus.Failure(501, "NotImplemented", "port forwarding is not supported by this node agent yet"));
    }
}
