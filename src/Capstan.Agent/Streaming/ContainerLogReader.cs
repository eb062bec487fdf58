using System.Text;

namespace Capstan.Agent.Streaming;

/// <summary>
/// Copies a container's CRI log file to a client as plain lines, the way the kubelet serves <c>/containerLogs</c>:
/// tail, since, timestamps and limitBytes applied, and with follow the file is watched (across rotations: the runtime
/// renames it to &lt;path&gt;.&lt;time&gt; and starts a new one) until the container stops or the client leaves.
/// </summary>
internal sealed class ContainerLogReader
{
    private readonly string _path;
    private readonly LogOptions _options;
    private readonly Func<bool> _stillRunning;
    private readonly TimeSpan _pollInterval;
    private readonly CriLineAssembler _assembler = new();
    private string? _openedAs;
    private long _toSkip;
    private long _written;

    public ContainerLogReader(string path, LogOptions options, Func<bool> stillRunning, TimeSpan pollInterval)
    {
        _path = Path.GetFullPath(path);
        _options = options;
        _stillRunning = stillRunning;
        _pollInterval = pollInterval;
    }

    private bool LimitReached => _options.LimitBytes is { } limit && _written >= limit;

    public async Task CopyToAsync(Stream output, CancellationToken ct)
    {
        var reader = await OpenAsync(ct).ConfigureAwait(false);
        if (reader is null)
        {
            return;
        }

        try
        {
            if (_options.TailLines is { } tail)
            {
                _toSkip = Math.Max(0, await CountLinesAsync(ct).ConfigureAwait(false) - tail);
            }

            while (!LimitReached)
            {
                if (await reader.ReadMoreAsync(ct).ConfigureAwait(false))
                {
                    await DrainAsync(reader, output, ct).ConfigureAwait(false);
                    continue;
                }

                // At the end of what is written so far.
                if (!_options.Follow)
                {
                    break;
                }

                await output.FlushAsync(ct).ConfigureAwait(false);
                if (Rotated(reader.File))
                {
                    // Whatever reached the old file before the rename has been read above; go on with the new one.
                    await FinishAsync(reader, output, ct).ConfigureAwait(false);
                    reader.Dispose();
                    reader = new CriRecordReader(Open(_path));
                    _openedAs = DescriptorPath(reader.File);
                    continue;
                }

                if (!_stillRunning())
                {
                    // The container has exited: one last read catches what it wrote just before.
                    if (await reader.ReadMoreAsync(ct).ConfigureAwait(false))
                    {
                        await DrainAsync(reader, output, ct).ConfigureAwait(false);
                        continue;
                    }

                    break;
                }

                await Task.Delay(_pollInterval, ct).ConfigureAwait(false);
            }

            if (!LimitReached)
            {
                await FinishAsync(reader, output, ct).ConfigureAwait(false);
            }

            await output.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            reader.Dispose();
        }
    }

    private async Task<CriRecordReader?> OpenAsync(CancellationToken ct)
    {
        while (true)
        {
            if (File.Exists(_path))
            {
                try
                {
                    var opened = new CriRecordReader(Open(_path));
                    _openedAs = DescriptorPath(opened.File);
                    return opened;
                }
                catch (FileNotFoundException)
                {
                }
            }

            // No file yet: a container that has just started may not have written it.
            if (!_options.Follow || !_stillRunning())
            {
                return null;
            }

            await Task.Delay(_pollInterval, ct).ConfigureAwait(false);
        }
    }

    private static FileStream Open(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });

    private async Task<long> CountLinesAsync(CancellationToken ct)
    {
        using var counter = new CriRecordReader(Open(_path));
        var assembler = new CriLineAssembler();
        long lines = 0;
        while (await counter.ReadMoreAsync(ct).ConfigureAwait(false))
        {
            while (counter.TryTake(out var record))
            {
                if (CriLogLine.TryParse(record, out var parsed) && assembler.Add(parsed, out _))
                {
                    lines++;
                }
            }
        }

        return lines;
    }

    private async Task DrainAsync(CriRecordReader reader, Stream output, CancellationToken ct)
    {
        while (!LimitReached && reader.TryTake(out var record))
        {
            if (CriLogLine.TryParse(record, out var parsed) && _assembler.Add(parsed, out var line))
            {
                await EmitAsync(line, output, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The file is done: an unterminated last record and lines still open (partials) go out as they are.</summary>
    private async Task FinishAsync(CriRecordReader reader, Stream output, CancellationToken ct)
    {
        await DrainAsync(reader, output, ct).ConfigureAwait(false);
        if (reader.TryTakeRemainder(out var record) && CriLogLine.TryParse(record, out var parsed) && _assembler.Add(parsed, out var line))
        {
            await EmitAsync(line, output, ct).ConfigureAwait(false);
        }

        foreach (var open in _assembler.Flush())
        {
            await EmitAsync(open, output, ct).ConfigureAwait(false);
        }
    }

    private async Task EmitAsync(LogicalLine line, Stream output, CancellationToken ct)
    {
        if (line.Complete && _toSkip > 0)
        {
            _toSkip--;
            return;
        }

        if (LimitReached || (_options.Since is { } since && line.Timestamp < since))
        {
            return;
        }

        var prefix = _options.Timestamps ? Encoding.ASCII.GetBytes(line.FormattedTimestamp + " ") : [];
        var bytes = new byte[prefix.Length + line.Content.Length + (line.Complete ? 1 : 0)];
        prefix.CopyTo(bytes, 0);
        line.Content.CopyTo(bytes, prefix.Length);
        if (line.Complete)
        {
            bytes[^1] = (byte)'\n';
        }

        var count = bytes.Length;
        if (_options.LimitBytes is { } limit && _written + count > limit)
        {
            count = (int)(limit - _written);
        }

        await output.WriteAsync(bytes.AsMemory(0, count), ct).ConfigureAwait(false);
        _written += count;
    }

    /// <summary>
    /// True when the open file is no longer the one at the path (renamed away or deleted) and a new one exists there.
    /// Linux names an open descriptor's current path in /proc/self/fd (compared with what it named at open, so symlinked
    /// directories do not matter); elsewhere a file at the path shorter than what was read is taken as a new one.
    /// </summary>
    private bool Rotated(Stream file)
    {
        if (!File.Exists(_path))
        {
            return false;
        }

        if (_openedAs is not null && DescriptorPath(file) is { } now)
        {
            return !string.Equals(now, _openedAs, StringComparison.Ordinal);
        }

        return new FileInfo(_path).Length < file.Position;
    }

    private static string? DescriptorPath(Stream file)
    {
        if (file is not FileStream fs || !OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var link = "/proc/self/fd/" + fs.SafeFileHandle.DangerousGetHandle().ToString();
            return File.ResolveLinkTarget(link, returnFinalTarget: false)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
