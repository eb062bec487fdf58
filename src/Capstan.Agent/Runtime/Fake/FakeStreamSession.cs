namespace Capstan.Agent.Runtime.Fake;

/// <summary>An exec or attach session over fixed streams.</summary>
internal sealed class FakeStreamSession(Stream? stdin, Stream? stdout, Stream? stderr, Task<int> completion) : IStreamSession
{
    private readonly TaskCompletionSource<int> _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Stream? Stdin => stdin;

    public Stream? Stdout => stdout;

    public Stream? Stderr => stderr;

    public Task<int> Completion => Task.WhenAny(completion, _disposed.Task).Unwrap();

    public void Resize(ushort columns, ushort rows)
    {
    }

    public ValueTask DisposeAsync()
    {
        _disposed.TrySetResult(-1);
        return ValueTask.CompletedTask;
    }
}
