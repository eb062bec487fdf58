using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Capstan.Agent.Runtime.Process;

/// <summary>Opens the write end of a container's stdin FIFO without blocking when nobody reads it any more.</summary>
internal static class FifoWriter
{
    /// <summary>Null when the FIFO has no reader (the shim is gone) or does not exist.</summary>
    public static Stream? Open(string path)
    {
        var fd = Libc.open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            return null;
        }

        // Back to blocking writes: a full pipe then slows the writer instead of failing it.
        if (Libc.fcntl(fd, Libc.F_SETFL, Libc.O_WRONLY) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            throw new IOException($"fcntl on {path} failed: errno {errno}");
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }
}
