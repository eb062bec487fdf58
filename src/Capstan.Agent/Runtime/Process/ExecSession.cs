using SysProcess = System.Diagnostics.Process;

namespace Capstan.Agent.Runtime.Process;

/// <summary>An exec without a terminal: the helper's pipes. Streams not asked for are closed (stdin) or drained (output).</summary>
internal sealed class ExecSession : IStreamSession
{
    private readonly SysProcess _process;

    public ExecSession(SysProcess process, ExecRequest request)
    {
        _process = process;
        if (request.Stdin)
        {
            Stdin = process.StandardInput.BaseStream;
        }
        else
        {
            process.StandardInput.Close();
        }

        Stdout = request.Stdout ? process.StandardOutput.BaseStream : Drain(process.StandardOutput.BaseStream);
        Stderr = request.Stderr ? process.StandardError.BaseStream : Drain(process.StandardError.BaseStream);
        Completion = ExitCodeAsync();
    }

    public Stream? Stdin { get; }

    public Stream? Stdout { get; }

    public Stream? Stderr { get; }

    public Task<int> Completion { get; }

    public void Resize(ushort columns, ushort rows)
    {
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessRuntime.KillQuietly(_process);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    private static Stream? Drain(Stream stream)
    {
        _ = stream.CopyToAsync(Stream.Null);
        return null;
    }
}
