namespace Capstan.Agent.Streaming;

/// <summary>Splits a log file into newline-terminated records as they become available; a record still being written waits.</summary>
internal sealed class CriRecordReader(Stream file) : IDisposable
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public Stream File => file;

    /// <summary>Reads what the file has now; false at its current end. Records come back through <see cref="TryTake"/>.</summary>
    public async Task<bool> ReadMoreAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // A record longer than the buffer: grow (the runtime splits long lines, so this stays bounded in practice).
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await file.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    /// <summary>The next complete record without its newline.</summary>
    public bool TryTake(out ReadOnlyMemory<byte> record)
    {
        var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
        if (newline < 0)
        {
            record = default;
            return false;
        }

        record = _buffer.AsMemory(_start, newline - _start).ToArray();
        _start = newline + 1;
        return true;
    }

    /// <summary>An unterminated last record (taken when the file is known to be finished).</summary>
    public bool TryTakeRemainder(out ReadOnlyMemory<byte> record)
    {
        if (_end == _start)
        {
            record = default;
            return false;
        }

        record = _buffer.AsMemory(_start, _end - _start).ToArray();
        _start = _end;
        return true;
    }

    public void Dispose() => file.Dispose();
}
