using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Capstan.TestServer.Tests.Infrastructure;

/// <summary>kill(2): Process.Kill only sends SIGKILL, and the tests need SIGTERM.</summary>
public static partial class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code enabled for no gain here.
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
