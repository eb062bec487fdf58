using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>
/// One watch over the client's own HTTP connection, read on its own task, each event stamped with this process's
/// Stopwatch the moment its line is read (creationTimestamp has only second precision, so every figure is measured on
/// this side). <see cref="StartAsync"/> returns once the response headers are in, so nothing written after that is
/// missed (the client's generated list-with-watch call waits for the first event instead, which never comes on an
/// empty namespace); a watch the server ends is resumed from the last resourceVersion seen.
/// </summary>
public sealed class WatchFeed<T> : IAsyncDisposable
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly Kubernetes _client;
    private readonly string _path;
    private readonly Action<WatchEventType, T, long> _sink;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string? _resourceVersion;

    private WatchFeed(Kubernetes client, string path, Action<WatchEventType, T, long> sink)
    {
        _client = client;
        _path = path;
        _sink = sink;
    }

    /// <summary>The last error the watch met, for failure messages.</summary>
    public Exception? LastError { get; private set; }

    /// <param name="path">The collection, e.g. api/v1/namespaces/x/pods.</param>
    /// <param name="sink">Called on the watch's task for every event, with its Stopwatch timestamp.</param>
    public static async Task<WatchFeed<T>> StartAsync(Kubernetes client, string path, Action<WatchEventType, T, long> sink, CancellationToken ct)
    {
        var feed = new WatchFeed<T>(client, path, sink);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, feed._stop.Token);
        linked.CancelAfter(TimeSpan.FromSeconds(30));
        var first = await feed.OpenAsync(linked.Token).ConfigureAwait(false);
        feed._loop = Task.Run(() => feed.RunAsync(first));
        return feed;
    }

    private async Task<HttpResponseMessage> OpenAsync(CancellationToken ct)
    {
        var query = "?watch=true" + (_resourceVersion is null ? "" : "&resourceVersion=" + Uri.EscapeDataString(_resourceVersion));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_client.BaseUri, _path + query));
        var response = await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"watch {_path}: HTTP {(int)status}");
        }

        return response;
    }

    private async Task RunAsync(HttpResponseMessage first)
    {
        var response = first;
        for (var attempt = 0; attempt < 100 && !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                using (response)
                {
                    await ReadAsync(response).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
            {
                LastError = ex;
            }

            try
            {
                await Task.Delay(200, _stop.Token).ConfigureAwait(false);
                response = await OpenAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException ex)
            {
                LastError = ex;
                return;
            }
        }
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
        while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
        {
            var at = Stopwatch.GetTimestamp();
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString();
            var raw = document.RootElement.GetProperty("object").GetRawText();
            WatchEventType? kind = type switch
            {
                "ADDED" => WatchEventType.Added,
                "MODIFIED" => WatchEventType.Modified,
                "DELETED" => WatchEventType.Deleted,
                _ => null,
            };
            if (type == "ERROR")
            {
                // 410 Gone and the like: start again from now.
                _resourceVersion = null;
                LastError = new InvalidOperationException($"watch {_path}: {raw}");
                return;
            }

            var item = KubernetesJson.Deserialize<T>(raw);
            if (item.Metadata?.ResourceVersion is { } rv)
            {
                _resourceVersion = rv;
            }

            if (kind is { } k)
            {
                _sink(k, item, at);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
