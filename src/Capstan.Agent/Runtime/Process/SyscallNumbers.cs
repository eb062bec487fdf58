using System.Runtime.InteropServices;

namespace Capstan.Agent.Runtime.Process;

/// <summary>Syscall numbers the perl helpers pass to syscall(): they differ per architecture.</summary>
internal sealed record SyscallNumbers(int Setns, int Prctl)
{
    public static SyscallNumbers? ForCurrentArchitecture() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => new SyscallNumbers(308, 157),
        Architecture.Arm64 => new SyscallNumbers(268, 167),
        _ => null,
    };
}
