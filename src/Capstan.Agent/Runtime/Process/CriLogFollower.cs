using System.IO.Pipelines;
using System.Text;

namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// Follows a CRI-format log from its current end, across rotations, and splits its lines back into the stdout and stderr
/// byte streams (a "P" line is a fragment with no newline of its own). Ends when <paramref name="exited"/> completes and
/// the file has been read to its end, or when disposed.
/// </summary>
internal sealed class CriLogFollower : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private readonly string _path;
    private readonly Task _exited;
    private readonly Pipe _stdout = new();
    private readonly Pipe _stderr = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CriLogFollower(string path, Task exited)
    {
        _path = path;
        _exited = exited;
        Stdout = _stdout.Reader.AsStream();
        Stderr = _stderr.Reader.AsStream();
        // Opened here, not in the loop: output written right after attach returns must not be skipped.
        var file = OpenAtEnd();
        _loop = Task.Run(() => FollowAsync(file));
    }

    public Stream Stdout { get; }

    public Stream Stderr { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task FollowAsync(FileStream? file)
    {
        var ct = _stop.Token;
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var exitedBefore = _exited.IsCompleted;
                var n = file is null ? 0 : await file.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n > 0)
                {
                    pending.AddRange(buffer.AsSpan(0, n));
                    await EmitLinesAsync(pending, ct).ConfigureAwait(false);
                    continue;
                }

                if (file is null || Rotated(file))
                {
                    // The shim renamed the file away: what remains in the old one was read above; the new one is read whole.
                    var next = OpenFromStart();
                    if (next is not null)
                    {
                        if (file is not null)
                        {
                            await file.DisposeAsync().ConfigureAwait(false);
                        }

                        file = next;
                        continue;
                    }
                }

                if (exitedBefore)
                {
                    break;
                }

                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }

            await _stdout.Writer.CompleteAsync().ConfigureAwait(false);
            await _stderr.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task EmitLinesAsync(List<byte> pending, CancellationToken ct)
    {
        int newline;
        while ((newline = pending.IndexOf((byte)'\n')) >= 0)
        {
            var line = Encoding.UTF8.GetString(pending.GetRange(0, newline).ToArray());
            pending.RemoveRange(0, newline + 1);
            // <timestamp> <stream> <F|P> <content>
            var parts = line.Split(' ', 4);
            if (parts.Length < 3)
            {
                continue;
            }

            var content = parts.Length == 4 ? parts[3] : "";
            var bytes = Encoding.UTF8.GetBytes(parts[2] == "P" ? content : content + "\n");
            var writer = parts[1] == "stderr" ? _stderr.Writer : _stdout.Writer;
            await writer.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
    }

    private bool Rotated(FileStream file)
    {
        // The same file seen through the path would have a length between the two reads of our handle's length.
        var before = file.Length;
        long atPath;
        try
        {
            atPath = new FileInfo(_path).Length;
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        return file.Length == before && atPath != before;
    }

    private FileStream? OpenAtEnd()
    {
        var file = OpenFromStart();
        file?.Seek(0, SeekOrigin.End);
        return file;
    }

    private FileStream? OpenFromStart()
    {
        try
        {
            return new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
