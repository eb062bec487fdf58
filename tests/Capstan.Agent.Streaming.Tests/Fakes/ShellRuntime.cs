using System.Diagnostics;
using Capstan.Agent.Runtime;

namespace Capstan.Agent.Streaming.Tests.Fakes;

/// <summary>
/// A runtime whose exec runs the command as a local process with pipes, and whose attach joins the stdio of a
/// long-running process the test started (<see cref="StartAttachable"/>). The rest of the runtime is not needed here.
/// </summary>
public sealed class ShellRuntime : IContainerRuntime
{
    private readonly Dictionary<string, AttachableProcess> _attachable = new();

    public string Name => "shell";

    public string Version => "0.0.1";

    public event EventHandler<ContainerEvent>? ContainerChanged
    {
        add { }
        remove { }
    }

    public List<(ushort Columns, ushort Rows)> Resizes { get; } = [];

    /// <summary>Starts <paramref name="argv"/> as the process of container <paramref name="containerId"/>, for attach.</summary>
    public void StartAttachable(string containerId, params string[] argv) => _attachable[containerId] = new AttachableProcess(argv);

    public Task<IStreamSession> ExecAsync(string containerId, ExecRequest request, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(request.Command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in request.Command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        return Task.FromResult<IStreamSession>(new ProcessSession(process, request, this));
    }

    public Task<IStreamSession> AttachAsync(string containerId, bool tty, CancellationToken ct) =>
        Task.FromResult<IStreamSession>(_attachable[containerId].Attach());

    public Task<PodSandbox> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken ct) => throw new NotSupportedException();

    public Task StopPodSandboxAsync(string sandboxId, CancellationToken ct) => throw new NotSupportedException();

    public Task RemovePodSandboxAsync(string sandboxId, CancellationToken ct) => throw new NotSupportedException();

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(CancellationToken ct) => throw new NotSupportedException();

    public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct) => throw new NotSupportedException();

    public Task StartContainerAsync(string containerId, CancellationToken ct) => throw new NotSupportedException();

    public Task StopContainerAsync(string containerId, TimeSpan gracePeriod, CancellationToken ct) => throw new NotSupportedException();

    public Task RemoveContainerAsync(string containerId, CancellationToken ct) => throw new NotSupportedException();

    public Task<IReadOnlyList<ContainerStatus>> ListContainersAsync(string? sandboxId, CancellationToken ct) => throw new NotSupportedException();

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken ct) => throw new NotSupportedException();

    public Task<ExecSyncResult> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) => throw new NotSupportedException();

    private sealed class ProcessSession(Process process, ExecRequest request, ShellRuntime runtime) : IStreamSession
    {
        private readonly Task<int> _completion = WaitAsync(process);

        public Stream? Stdin => request.Stdin ? process.StandardInput.BaseStream : null;

        public Stream? Stdout => request.Stdout ? process.StandardOutput.BaseStream : null;

        public Stream? Stderr => request.Stderr && !request.Tty ? process.StandardError.BaseStream : null;

        public Task<int> Completion => _completion;

        public void Resize(ushort columns, ushort rows)
        {
            lock (runtime.Resizes)
            {
                runtime.Resizes.Add((columns, rows));
            }
        }

        public ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            return ValueTask.CompletedTask;
        }

        private static async Task<int> WaitAsync(Process process)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            return process.ExitCode;
        }
    }

    /// <summary>A process whose output fans out to whoever is attached at the time, like a container's stdio.</summary>
    private sealed class AttachableProcess
    {
        private readonly Process _process;
        private readonly List<System.IO.Pipelines.Pipe> _attached = [];

        public AttachableProcess(string[] argv)
        {
            var psi = new ProcessStartInfo(argv[0])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in argv.Skip(1))
            {
                psi.ArgumentList.Add(arg);
            }

            _process = Process.Start(psi)!;
            _ = Task.Run(FanOutAsync);
        }

        public IStreamSession Attach()
        {
            var pipe = new System.IO.Pipelines.Pipe();
            lock (_attached)
            {
                _attached.Add(pipe);
            }

            return new AttachSession(this, pipe);
        }

        private async Task FanOutAsync()
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await _process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
            {
                System.IO.Pipelines.Pipe[] targets;
                lock (_attached)
                {
                    targets = [.. _attached];
                }

                foreach (var pipe in targets)
                {
                    await pipe.Writer.WriteAsync(buffer.AsMemory(0, read));
                }
            }

            lock (_attached)
            {
                foreach (var pipe in _attached)
                {
                    pipe.Writer.Complete();
                }
            }
        }

        private sealed class AttachSession(AttachableProcess owner, System.IO.Pipelines.Pipe pipe) : IStreamSession
        {
            private readonly TaskCompletionSource<int> _detached = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public Stream? Stdin => new NonClosingStream(owner._process.StandardInput.BaseStream);

            public Stream? Stdout { get; } = pipe.Reader.AsStream();

            public Stream? Stderr => null;

            public Task<int> Completion => Task.WhenAny(ExitAsync(), _detached.Task).Unwrap();

            public void Resize(ushort columns, ushort rows)
            {
            }

            public ValueTask DisposeAsync()
            {
                lock (owner._attached)
                {
                    owner._attached.Remove(pipe);
                }

                _detached.TrySetResult(-1);
                return ValueTask.CompletedTask;
            }

            private async Task<int> ExitAsync()
            {
                await owner._process.WaitForExitAsync();
                return owner._process.ExitCode;
            }
        }
    }

    /// <summary>Attach sessions share the container's stdin; one detaching must not close it for the container.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }
}
