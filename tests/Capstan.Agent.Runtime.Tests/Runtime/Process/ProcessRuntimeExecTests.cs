using System.Text;
using Capstan.Agent.Runtime;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

public sealed class ProcessRuntimeExecTests : IDisposable
{
    private readonly RuntimeHarness _harness = new();

    private ProcessRuntime Runtime => _harness.Runtime;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ExecSync_Command_CollectsOutputExitCodeEnvAndWorkingDir()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_harness.Root, "wd")).FullName;
        var (_, id, _) = await _harness.RunAsync("exec sleep 100", pod: "exec-pod", change: c => c with { Env = [new("GREETING", "hi")], WorkingDir = dir });

        var result = await Runtime.ExecSyncAsync(id, ["sh", "-c", "echo $GREETING; pwd; hostname; echo oops >&2; exit 4"], TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.False(result.TimedOut);
        Assert.Equal(4, result.ExitCode);
        var expectedHost = Runtime.NamespacesEnabled ? "exec-pod" : Environment.MachineName;
        Assert.Equal($"hi\n{dir}\n{expectedHost}\n", Encoding.UTF8.GetString(result.Stdout));
        Assert.Equal("oops\n", Encoding.UTF8.GetString(result.Stderr));
    }

    [Fact]
    public async Task ExecSync_CommandOutlivesTimeout_KilledAndTimedOut()
    {
        var (_, id, _) = await _harness.RunAsync("exec sleep 100");
        var marker = Path.Combine(_harness.Root, "still-running");

        var result = await Runtime.ExecSyncAsync(id, ["sh", "-c", $"echo started; sleep 2; touch {marker}"], TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.True(result.TimedOut);
        Assert.Equal("started\n", Encoding.UTF8.GetString(result.Stdout));
        await Task.Delay(2500);
        Assert.False(File.Exists(marker), "the timed-out command kept running");
    }

    [Fact]
    public async Task ExecSync_ExitedContainer_Throws()
    {
        var (_, id, _) = await _harness.RunAsync("true");
        await _harness.WaitExitedAsync(id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Runtime.ExecSyncAsync(id, ["true"], TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task Exec_WithoutTty_PipesStdinToStdout()
    {
        var (_, id, _) = await _harness.RunAsync("exec sleep 100");

        await using var session = await Runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "tr a-z A-Z; echo done >&2"], true, true, true, false), CancellationToken.None);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("hello exec\n"));
        await session.Stdin.DisposeAsync();

        var stdout = await new StreamReader(session.Stdout!).ReadToEndAsync();
        var stderr = await new StreamReader(session.Stderr!).ReadToEndAsync();
        Assert.Equal("HELLO EXEC\n", stdout);
        Assert.Equal("done\n", stderr);
        Assert.Equal(0, await session.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Exec_WithTty_CommandSeesATerminalOfTheRequestedSize()
    {
        var (_, id, _) = await _harness.RunAsync("exec sleep 100");

        await using var session = await Runtime.ExecAsync(id, new ExecRequest(["sh", "-c", "read line; [ -t 0 ] && echo tty:$line; stty size; exit 3"], true, true, false, true), CancellationToken.None);
        Assert.Null(session.Stderr);
        session.Resize(100, 40);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("abc\n"));

        var output = await new StreamReader(session.Stdout!).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("tty:abc", output);
        Assert.Contains("40 100", output);
        Assert.Equal(3, await session.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Attach_StdinContainer_WritesReachProcessAndOutputStreamsBack()
    {
        var (_, id, _) = await _harness.RunAsync("echo before; while read line; do echo got:$line; echo err:$line >&2; done; echo eof; exit 9",
            change: c => c with { Stdin = true, StdinOnce = true });
        await Task.Delay(200);

        var session = await Runtime.AttachAsync(id, tty: false, CancellationToken.None);
        var stdout = new StreamReader(session.Stdout!);
        var stderr = new StreamReader(session.Stderr!);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("one\n"));
        await session.Stdin.FlushAsync();

        Assert.Equal("got:one", await stdout.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("err:one", await stderr.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        // stdinOnce: ending the first attach closes the container's stdin, so its read loop ends.
        await session.DisposeAsync();
        var status = await _harness.WaitExitedAsync(id);
        Assert.Equal(9, status.ExitCode);
    }

    [Fact]
    public async Task Attach_RunningContainer_CompletesWithExitCode()
    {
        var go = Path.Combine(_harness.Root, "go");
        var (_, id, _) = await _harness.RunAsync($"while [ ! -e {go} ]; do sleep 0.02; done; echo finishing; exit 6");

        await using var session = await Runtime.AttachAsync(id, tty: false, CancellationToken.None);
        Assert.Null(session.Stdin);
        await File.WriteAllTextAsync(go, "");

        Assert.Equal("finishing\n", await new StreamReader(session.Stdout!).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(6, await session.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Attach_TtyContainer_TerminalInputOutputAndResize()
    {
        var (_, id, config) = await _harness.RunAsync("[ -t 0 ] && echo ready; read a; stty size; echo got:$a; exit 5",
            change: c => c with { Stdin = true, Tty = true });
        await ProcessRuntimeTests.WaitForLogAsync(config.LogPath, "ready");

        await using var session = await _harness.Runtime.AttachAsync(id, tty: true, CancellationToken.None);
        Assert.Null(session.Stderr);
        session.Resize(120, 50);
        await session.Stdin!.WriteAsync(Encoding.UTF8.GetBytes("hello\n"));

        var output = await new StreamReader(session.Stdout!).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("50 120", output);
        Assert.Contains("got:hello", output);
        Assert.Equal(5, await session.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
