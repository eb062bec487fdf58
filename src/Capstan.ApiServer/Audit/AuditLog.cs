using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Capstan.ApiServer.Audit;

/// <summary>
/// The audit log file (<c>--audit-log-path</c>): events are queued by the request path and written by one background
/// task, so requests never wait for the disk. When the file reaches <c>maxSizeBytes</c> (0: never) it is renamed to
/// <c>&lt;name&gt;-&lt;UTC timestamp&gt;&lt;ext&gt;</c> and a new one started, as kube-apiserver's --audit-log-maxsize does.
/// When the queue is full (the disk cannot keep up) events are dropped and counted rather than slowing requests.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    private const int QueueCapacity = 10_000;

    private readonly string _path;
    private readonly long _maxSizeBytes;
    private readonly ILogger _logger;
    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task _writer;
    private readonly AuditPolicy? _policy;
    private long _dropped;

    // 1 while the writer holds events it has read but not yet flushed.
    private int _pendingWrites;

    public AuditLog(string path, long maxSizeBytes, ILogger logger, AuditPolicy? policy = null)
    {
        _policy = policy;
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
        _maxSizeBytes = maxSizeBytes;
        _logger = logger;
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Events lost because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues <paramref name="e"/> at the level the policy gives it (skipped at None); never blocks.</summary>
    public void Record(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_policy is not null)
        {
            var level = _policy.LevelFor(e);
            if (level == AuditLevel.None)
            {
                return;
            }

            e = e with { Level = level };
        }

        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Waits until every event queued so far is on disk (tests, shutdown).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        while (_queue.Reader.Count > 0 || Volatile.Read(ref _pendingWrites) > 0)
        {
            await Task.Delay(10, ct).ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        FileStream? file = null;
        try
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _pendingWrites, 1);
                try
                {
                    file ??= Open();
                    while (_queue.Reader.TryRead(out var e))
                    {
                        buffer.ResetWrittenCount();
                        using (var json = new Utf8JsonWriter(buffer))
                        {
                            AuditEventWriter.Write(json, e);
                        }

                        System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
                        if (_maxSizeBytes > 0 && file.Length > 0 && file.Length + buffer.WrittenCount > _maxSizeBytes)
                        {
                            await file.DisposeAsync().ConfigureAwait(false);
                            Rotate();
                            file = Open();
                        }

                        await file.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                    }

                    await file.FlushAsync().ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    _logger.LogError(ex, "audit log {Path}: write failed", _path);
                    if (file is not null)
                    {
                        await file.DisposeAsync().ConfigureAwait(false);
                        file = null;
                    }
                }
                finally
                {
                    Interlocked.Exchange(ref _pendingWrites, 0);
                }
            }
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // The log names every user and object: owner-only, like the rest of the data directory's secrets.
    private FileStream Open()
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(_path, options);
    }

    private void Rotate()
    {
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH-mm-ss.fff", CultureInfo.InvariantCulture);
        var directory = Path.GetDirectoryName(_path) ?? "";
        var target = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(_path)}-{stamp}{Path.GetExtension(_path)}");
        for (var n = 1; File.Exists(target); n++)
        {
            // Two rotations within a millisecond: never overwrite an earlier backup.
            target = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(_path)}-{stamp}.{n}{Path.GetExtension(_path)}");
        }

        File.Move(_path, target);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
