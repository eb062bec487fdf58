namespace Capstan.Agent.Runtime.Process;

/// <summary>kubectl attach to a process-runtime container: its log followed from now on, its stdin FIFO, and its terminal's size.</summary>
internal sealed class AttachSession : IStreamSession
{
    private readonly CriLogFollower _follower;
    private readonly Action? _onClose;
    private readonly Action<ushort, ushort>? _resize;
    private readonly bool _tty;
    private readonly TaskCompletionSource<int> _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closed;

    public AttachSession(string logPath, Stream? stdin, bool tty, Task<int> exitCode, Action? onClose, Action<ushort, ushort>? resize)
    {
        _follower = new CriLogFollower(logPath, exitCode);
        _onClose = onClose;
        _resize = resize;
        _tty = tty;
        Stdin = stdin;
        Completion = Task.WhenAny(exitCode, _disposed.Task).Unwrap();
    }

    public Stream? Stdin { get; }

    public Stream? Stdout => _follower.Stdout;

    public Stream? Stderr => _tty ? null : _follower.Stderr;

    public Task<int> Completion { get; }

    public void Resize(ushort columns, ushort rows) => _resize?.Invoke(columns, rows);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        _disposed.TrySetResult(-1);
        if (Stdin is not null)
        {
            await Stdin.DisposeAsync().ConfigureAwait(false);
        }

        _onClose?.Invoke();
        await _follower.DisposeAsync().ConfigureAwait(false);
    }
}
