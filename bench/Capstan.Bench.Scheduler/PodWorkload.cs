using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Capstan.Bench.Scheduler;

/// <summary>What one run of pods measured: when each pod was created and when the watch first showed it bound.</summary>
public sealed record WorkloadResult(int Created, int Bound, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, IReadOnlyDictionary<string, string> NodeOf)
{
    public double PodsPerSecond => Bound / Elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Count == 0)
        {
            return double.NaN;
        }

        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Creates pods with bounded concurrency and watches them until each is bound (spec.nodeName set in the stored object,
/// i.e. its binding is durable). Throughput counts from the first create to the last binding seen.
/// </summary>
public static class PodWorkload
{
    public const string Namespace = "bench";

    /// <summary>Where the warm-up pods go, so that the measured run's watch never sees them.</summary>
    public const string WarmUpNamespace = "bench-warm-up";

    /// <param name="createOnly">Count a pod once its create is acknowledged (for a server without a scheduler: the API's own floor).</param>
    public static async Task<WorkloadResult> RunAsync(Kubernetes client, IReadOnlyList<V1Pod> pods, int concurrency, TimeSpan timeout, CancellationToken ct, bool createOnly = false, string ns = Namespace)
    {
        try
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }

        var created = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var bound = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var nodeOf = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var allBound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(timeout);

        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Task.Run(async () =>
        {
            var version = "";
            var relists = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (version.Length == 0)
                    {
                        // A watch that fell behind the server's event window cannot resume from its last version (410 Gone):
                        // list again, as an informer does, or every binding after that point would go unseen.
                        var list = await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: stop.Token).ConfigureAwait(false);
                        foreach (var pod in list.Items)
                        {
                            Observe(pod.Metadata.Name, pod.Spec?.NodeName);
                        }

                        version = list.Metadata.ResourceVersion;
                        if (watching.TrySetResult() is false)
                        {
                            Console.Error.WriteLine($"  bench watch expired; relisted ({++relists}), {bound.Count} bound so far");
                        }
                    }

                    if (!await WatchAsync(client, ns, version, v => version = v, (name, node) => Observe(name, node), stop.Token).ConfigureAwait(false))
                    {
                        version = "";
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException && !stop.IsCancellationRequested)
                {
                    await Task.Delay(200, stop.Token).ConfigureAwait(false);
                }
            }
        }, CancellationToken.None);

        void Observe(string name, string? node)
        {
            if (!createOnly && node is { Length: > 0 } && bound.TryAdd(name, Stopwatch.GetTimestamp()))
            {
                nodeOf[name] = node;
                if (bound.Count >= pods.Count)
                {
                    allBound.TrySetResult();
                }
            }
        }

        await watching.Task.WaitAsync(stop.Token).ConfigureAwait(false);

        var started = Stopwatch.GetTimestamp();
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < pods.Count && !stop.IsCancellationRequested)
            {
                var pod = pods[i];
                created[pod.Metadata.Name] = Stopwatch.GetTimestamp();
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: stop.Token).ConfigureAwait(false);
                        if (createOnly && bound.TryAdd(pod.Metadata.Name, Stopwatch.GetTimestamp()) && bound.Count >= pods.Count)
                        {
                            allBound.TrySetResult();
                        }

                        break;
                    }
                    catch (Exception ex) when (attempt < 5 && ex is HttpRequestException or k8s.Autorest.HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.TooManyRequests or System.Net.HttpStatusCode.InternalServerError })
                    {
                        await Task.Delay(100, stop.Token).ConfigureAwait(false);
                    }
                }
            }
        }, CancellationToken.None)).ToArray();

        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
            await allBound.Task.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: report what was bound.
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await watch.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        var last = bound.Values.DefaultIfEmpty(Stopwatch.GetTimestamp()).Max();
        var latencies = bound.Where(b => created.ContainsKey(b.Key))
            .Select(b => Stopwatch.GetElapsedTime(created[b.Key], b.Value).TotalMilliseconds).ToList();
        return new WorkloadResult(created.Count, bound.Count, Stopwatch.GetElapsedTime(started, last), latencies, nodeOf);
    }

    /// <summary>
    /// One watch of the namespace's pods, read as raw lines with only name, nodeName and resourceVersion picked out: the
    /// typed client's full deserialisation of every event cost this process enough CPU (on the cores the server shares)
    /// to fall behind the server's event window. False when the watch expired (410 Gone, or an ERROR event).
    /// </summary>
    private static async Task<bool> WatchAsync(Kubernetes client, string ns, string version, Action<string> advance, Action<string, string?> observe, CancellationToken ct)
    {
        var url = new Uri(client.BaseUri, $"api/v1/namespaces/{ns}/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=600&resourceVersion={version}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.Gone)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var type = doc.RootElement.GetProperty("type").GetString();
            var obj = doc.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                return false;
            }

            var metadata = obj.GetProperty("metadata");
            if (metadata.TryGetProperty("resourceVersion", out var rv) && rv.GetString() is { Length: > 0 } v)
            {
                advance(v);
            }

            if (type is "ADDED" or "MODIFIED" && obj.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var node))
            {
                observe(metadata.GetProperty("name").GetString()!, node.GetString());
            }
        }

        return true;
    }

    /// <summary>Deletes every pod of <paramref name="ns"/> at once (grace period 0) and waits until none is left.</summary>
    public static async Task DeleteAllAsync(Kubernetes client, string ns, TimeSpan timeout, CancellationToken ct)
    {
        await client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, gracePeriodSeconds: 0, cancellationToken: ct).ConfigureAwait(false);
        var deadline = Stopwatch.StartNew();
        while ((await client.CoreV1.ListNamespacedPodAsync(ns, limit: 1, cancellationToken: ct).ConfigureAwait(false)).Items.Count > 0)
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"the pods of {ns} were not all deleted within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(250, ct).ConfigureAwait(false);
        }
    }
}
