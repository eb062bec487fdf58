namespace Capstan.Agent.Runtime.Process;

public sealed partial class ProcessRuntime
{
    public Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) =>
        throw new NotSupportedException();

    public Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct) => throw new NotSupportedException();

    public Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct) => throw new NotSupportedException();
}
