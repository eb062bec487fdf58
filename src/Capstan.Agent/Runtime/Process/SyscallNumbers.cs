using System.Runtime.InteropServices;

namespace Capstan.Agent.Runtime.Process;

/// <summary>Syscall numbers the perl helpers pass to syscall(): they differ per architecture.</summary>
internal sealed record SyscallNumbers(int Setns, int Setsid, int Prctl, int Mount, int ClockGettime, int Umount2, int Unshare)
{
    public static SyscallNumbers? ForCurrentArchitecture() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => new SyscallNumbers(308, 112, 157, 165, 228, 166, 272),
        Architecture.Arm64 => new SyscallNumbers(268, 157, 167, 40, 113, 39, 97),
        _ => null,
    };
}
