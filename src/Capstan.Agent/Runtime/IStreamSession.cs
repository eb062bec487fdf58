namespace Capstan.Agent.Runtime;

/// <summary>
/// The streams of one exec or attach. With a TTY, stderr is merged into stdout (null) and <see cref="Resize"/> applies.
/// Disposing the session ends it (closes stdin, and for exec kills the command if it still runs).
/// </summary>
public interface IStreamSession : IAsyncDisposable
{
    Stream? Stdin { get; }

    Stream? Stdout { get; }

    Stream? Stderr { get; }

    /// <summary>Completes with the exit code (exec), or when the attached container exits or the session is disposed (attach: its exit code, or -1).</summary>
    Task<int> Completion { get; }

    void Resize(ushort columns, ushort rows);
}
