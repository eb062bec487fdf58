using System.Buffers;

namespace Capstan.Client.Dynamic;

/// <summary>
/// Reads a watch stream's newline-delimited JSON as UTF-8 lines in a pooled buffer. A StreamReader decodes every event
/// to UTF-16 and the JSON parser transcodes it back to UTF-8: two copies and a string of twice the size per event, on a
/// stream every informer reads for every change in the cluster.
/// </summary>
internal sealed class WatchLineReader(Stream stream) : IDisposable
{
    private const int InitialSize = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;
    private bool _eof;

    /// <summary>The line <see cref="ReadLineAsync"/> last found, without its newline; valid until the next call.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>Advances to the next line ('\n'-terminated, or the unterminated rest at the end); false at the end of the stream.</summary>
    public async ValueTask<bool> ReadLineAsync(CancellationToken ct)
    {
        var searched = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _lineStart = _start;
                _lineLength = searched + newline;
                _start += _lineLength + 1;
                return true;
            }

            searched = _end - _start;
            if (_eof)
            {
                if (searched == 0)
                {
                    return false;
                }

                _lineStart = _start;
                _lineLength = searched;
                _start = _end;
                return true;
            }

            MakeRoom();
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    // Moves the unread bytes to the front, and doubles the buffer when a line fills all of it.
    private void MakeRoom()
    {
        var pending = _end - _start;
        if (_start > 0 && (pending == 0 || _end == _buffer.Length))
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
