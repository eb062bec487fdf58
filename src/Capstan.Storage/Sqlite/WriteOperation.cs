namespace Capstan.Storage.Sqlite;

internal enum WriteKind { Create, Update, Delete, Compact }

/// <summary>A write queued for the writer loop; its task completes once the transaction holding it is durable.</summary>
internal sealed class WriteOperation
{
    private readonly TaskCompletionSource<WriteResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required WriteKind Kind { get; init; }

    public string Key { get; init; } = "";

    public byte[] Value { get; init; } = [];

    public long ExpectedRevision { get; init; }

    /// <summary>For <see cref="WriteKind.Compact"/>: the revisions (From, To] to compact, and whether this is the last chunk.</summary>
    public long From { get; init; }

    public long To { get; init; }

    public bool Final { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Set by the writer while applying; handed to the caller after commit.</summary>
    public WriteResult? Result { get; set; }

    public Task<WriteResult> Task => _completion.Task;

    public void Complete() => _completion.TrySetResult(Result!);

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}
