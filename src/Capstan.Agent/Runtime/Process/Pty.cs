using System.Runtime.InteropServices;
using System.Text;

namespace Capstan.Agent.Runtime.Process;

/// <summary>A pseudo-terminal master (posix_openpt); the exec helper opens the slave by path as its controlling terminal.</summary>
internal sealed class Pty : IDisposable
{
    private int _fd;

    private Pty(int fd, string slavePath)
    {
        _fd = fd;
        SlavePath = slavePath;
    }

    public string SlavePath { get; }

    public int Fd => _fd;

    public static Pty Open()
    {
        var fd = Libc.posix_openpt(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw new InvalidOperationException($"posix_openpt failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var name = new byte[128];
        if (Libc.grantpt(fd) != 0 || Libc.unlockpt(fd) != 0 || Libc.ptsname_r(fd, name, (nuint)name.Length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Libc.close(fd);
            throw new InvalidOperationException($"setting up the pseudo-terminal failed: errno {errno}");
        }

        var pty = new Pty(fd, Encoding.UTF8.GetString(name, 0, Array.IndexOf(name, (byte)0)));
        pty.Resize(80, 24);
        return pty;
    }

    public void Resize(ushort columns, ushort rows)
    {
        var size = new Libc.WinSize { Columns = columns, Rows = rows };
        Libc.ioctl(_fd, Libc.TIOCSWINSZ, ref size);
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.close(fd);
        }
    }
}
