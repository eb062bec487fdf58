using System.Diagnostics;
using System.Net;

namespace Capstan.TestServer.Tests.Infrastructure;

/// <summary>
/// One running capstan-testserver: started with arguments and environment, its stdout collected line by line, killed
/// with SIGKILL on dispose if still running.
/// </summary>
public sealed class TestServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _lineAdded = new(0);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestServerProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    /// <summary>The address from the "listening on IP:PORT" line; null until <see cref="WaitListeningAsync"/>.</summary>
    public IPEndPoint? EndPoint { get; private set; }

    public Uri BaseAddress => new($"http://{EndPoint ?? throw new InvalidOperationException("not listening yet")}/");

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static TestServerProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(TestServerBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The server reads these; a value inherited from the test host would change what it answers.
        info.Environment.Remove("POD_IP");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("capstan-testserver did not start");
        var server = new TestServerProcess(process);
        _ = server.PumpAsync(process.StandardOutput);
        _ = process.StandardError.ReadToEndAsync();
        return server;
    }

    /// <summary>Starts "serve --address 127.0.0.1 --port 0 ARGS" and waits for it to listen.</summary>
    public static async Task<TestServerProcess> ServeAsync(params string[] args)
    {
        var server = Start(["serve", "--address", "127.0.0.1", "--port", "0", .. args]);
        await server.WaitListeningAsync();
        return server;
    }

    public async Task WaitListeningAsync()
    {
        var line = await WaitForLineAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal));
        EndPoint = IPEndPoint.Parse(line["listening on ".Length..]);
    }

    /// <summary>The first stdout line matching <paramref name="match"/>, waiting for it if need be.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var seen = 0;
        while (true)
        {
            var lines = Lines;
            for (; seen < lines.Count; seen++)
            {
                if (match(lines[seen]))
                {
                    return lines[seen];
                }
            }

            if (_stdoutClosed.Task.IsCompleted && Lines.Count == seen)
            {
                throw new InvalidOperationException($"capstan-testserver closed stdout without the expected line; it printed:\n{string.Join('\n', lines)}");
            }

            try
            {
                await _lineAdded.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no expected line from capstan-testserver; it printed:\n{string.Join('\n', Lines)}");
            }
        }
    }

    /// <summary>A client for this server; each request on a new connection, so that an exit cannot break a pooled one.</summary>
    public HttpClient CreateClient() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = BaseAddress, Timeout = Timeout };

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    /// <summary>
    /// The exit code (for a signal, 128 + its number as .NET reports it), once stdout has been read to its end too, so
    /// that <see cref="Lines"/> holds everything the process printed.
    /// </summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        await _stdoutClosed.Task.WaitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader stdout)
    {
        try
        {
            while (await stdout.ReadLineAsync() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }

                _lineAdded.Release();
            }
        }
        finally
        {
            _stdoutClosed.TrySetResult();
            _lineAdded.Release();
        }
    }
}
