using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = Capstan.Agent.Runtime.Cri.V1;

namespace Capstan.Agent.Runtime.Cri;

/// <summary>
/// Rotates container logs by size as the kubelet does for CRI runtimes: the file is renamed to
/// &lt;path&gt;.&lt;yyyyMMdd-HHmmss.nnnnnnnnn&gt; (the process runtime's scheme, which the agent's log reader follows), the
/// runtime is asked to reopen the path, and only the newest <see cref="CriRuntimeOptions.MaxLogFiles"/> files are kept.
/// </summary>
internal sealed partial class CriLogRotator(V1.RuntimeService.RuntimeServiceClient runtime, CriRuntimeOptions options, ILogger logger)
{
    private readonly ConcurrentDictionary<string, string> _paths = new();

    public void Forget(string containerId) => _paths.TryRemove(containerId, out _);

    public async Task RotateAsync(IReadOnlyList<string> runningContainerIds, CancellationToken ct)
    {
        foreach (var id in runningContainerIds)
        {
            try
            {
                await RotateOneAsync(id, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                Log.RotateFailed(logger, id, e.Status.Detail);
            }
            catch (IOException e)
            {
                Log.RotateFailed(logger, id, e.Message);
            }
        }
    }

    /// <summary>Rotates when the log passed the size limit; true when it did.</summary>
    public async Task<bool> RotateOneAsync(string containerId, CancellationToken ct)
    {
        if (!_paths.TryGetValue(containerId, out var path))
        {
            var status = await runtime.ContainerStatusAsync(
                new V1.ContainerStatusRequest { ContainerId = containerId },
                new CallOptions(deadline: DateTime.UtcNow + options.RequestTimeout, cancellationToken: ct)).ConfigureAwait(false);
            path = status.Status?.LogPath ?? "";
            _paths[containerId] = path;
        }

        if (path.Length == 0 || !File.Exists(path) || new FileInfo(path).Length < options.MaxLogFileBytes)
        {
            return false;
        }

        var now = options.TimeProvider.GetUtcNow();
        var nanos = (now.Ticks % TimeSpan.TicksPerSecond) * 100;
        var rotated = string.Create(CultureInfo.InvariantCulture, $"{path}.{now:yyyyMMdd-HHmmss}.{nanos:D9}");
        File.Move(path, rotated);
        try
        {
            await runtime.ReopenContainerLogAsync(
                new V1.ReopenContainerLogRequest { ContainerId = containerId },
                new CallOptions(deadline: DateTime.UtcNow + options.RequestTimeout, cancellationToken: ct)).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The runtime still writes to the renamed file: put it back rather than lose the live log's name.
            if (!File.Exists(path))
            {
                File.Move(rotated, path);
            }

            throw;
        }

        Prune(path);
        return true;
    }

    private void Prune(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        // Filtered by hand: the pattern "x.log.*" also matches "x.log" itself (DOS wildcard rules), the live file.
        var prefix = Path.GetFileName(path) + ".";
        var old = Directory.GetFiles(dir)
            .Where(f => Path.GetFileName(f).StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < old.Count - (options.MaxLogFiles - 1); i++)
        {
            File.Delete(old[i]);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Rotating the log of container {ContainerId} failed: {Detail}")]
        public static partial void RotateFailed(ILogger logger, string containerId, string detail);
    }
}
