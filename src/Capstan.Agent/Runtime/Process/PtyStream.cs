using System.Runtime.InteropServices;

namespace Capstan.Agent.Runtime.Process;

/// <summary>
/// Reads or writes a pty master with blocking read/write on a pool thread (one per reading session: sessions are few).
/// EIO on read means every slave descriptor is closed (the command exited): the end of the stream. The <see cref="Pty"/>
/// owns the descriptor.
/// </summary>
internal sealed class PtyStream(Pty pty, bool read) : Stream
{
    public override bool CanRead => read;

    public override bool CanSeek => false;

    public override bool CanWrite => !read;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var chunk = new byte[Math.Min(count, 16384)];
        while (true)
        {
            var n = Libc.read(pty.Fd, chunk, (nuint)chunk.Length);
            if (n >= 0)
            {
                Array.Copy(chunk, 0, buffer, offset, (int)n);
                return (int)n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            return 0;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.Run(() => Read(buffer, offset, count), cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var array = new byte[buffer.Length];
        return new ValueTask<int>(ReadAsync(array, 0, array.Length, cancellationToken).ContinueWith(
            t =>
            {
                array.AsSpan(0, t.Result).CopyTo(buffer.Span);
                return t.Result;
            },
            cancellationToken, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        var chunk = buffer.AsSpan(offset, count).ToArray();
        var done = 0;
        while (done < chunk.Length)
        {
            var rest = done == 0 ? chunk : chunk[done..];
            var n = Libc.write(pty.Fd, rest, (nuint)rest.Length);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Libc.EINTR)
                {
                    continue;
                }

                throw new IOException($"writing to the terminal failed: errno {Marshal.GetLastPInvokeError()}");
            }

            done += (int)n;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.Run(() => Write(buffer, offset, count), cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var array = buffer.ToArray();
        return new ValueTask(WriteAsync(array, 0, array.Length, cancellationToken));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
