using SysProcess = System.Diagnostics.Process;

namespace Capstan.Agent.Runtime.Process;

/// <summary>An exec with a terminal: stdin and stdout are the pty master, stderr is merged into it.</summary>
internal sealed class PtyExecSession : IStreamSession
{
    private readonly SysProcess _process;
    private readonly Pty _pty;

    public PtyExecSession(SysProcess process, Pty pty)
    {
        _process = process;
        _pty = pty;
        process.StandardInput.Close();
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        Stdin = new PtyStream(pty, read: false);
        Stdout = new PtyStream(pty, read: true);
        Completion = ExitCodeAsync();
    }

    public Stream? Stdin { get; }

    public Stream? Stdout { get; }

    public Stream? Stderr => null;

    public Task<int> Completion { get; }

    public void Resize(ushort columns, ushort rows) => _pty.Resize(columns, rows);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessRuntime.KillQuietly(_process);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _pty.Dispose();
    }

    private async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }
}
