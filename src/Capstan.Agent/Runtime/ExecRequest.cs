namespace Capstan.Agent.Runtime;

public sealed record ExecRequest(IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty);

public sealed record ExecSyncResult(int ExitCode, byte[] Stdout, byte[] Stderr, bool TimedOut);
