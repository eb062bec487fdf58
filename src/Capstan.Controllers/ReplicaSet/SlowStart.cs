namespace Capstan.Controllers.ReplicaSet;

/// <summary>
/// Kubernetes' slowStartBatch: runs <c>count</c> calls in batches of 1, 2, 4, 8... (each batch in parallel) and stops after
/// the first batch with a failure, so a controller whose creates all fail (quota, admission) sends one request, not hundreds.
/// </summary>
internal static class SlowStart
{
    /// <summary>The batch sizes for <paramref name="count"/> calls: 1, 2, 4... with the last one cut to what remains.</summary>
    public static IEnumerable<int> Batches(int count, int initialBatchSize = 1)
    {
        var remaining = count;
        var size = Math.Max(1, initialBatchSize);
        while (remaining > 0)
        {
            var batch = Math.Min(remaining, size);
            yield return batch;
            remaining -= batch;
            size *= 2;
        }
    }

    /// <summary>How many calls succeeded, and the first failure (the batches after it are skipped).</summary>
    public static async Task<(int Succeeded, Exception? Error)> RunAsync(int count, Func<Task> call, int initialBatchSize = 1)
    {
        var succeeded = 0;
        foreach (var batch in Batches(count, initialBatchSize))
        {
            var tasks = Enumerable.Range(0, batch).Select(_ => call()).ToArray();
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception) when (tasks.Any(t => t.IsFaulted))
            {
                // Counted below: each failed call is one skipped pod.
            }

            succeeded += tasks.Count(t => t.IsCompletedSuccessfully);
            var failed = tasks.FirstOrDefault(t => t.IsFaulted);
            if (failed is not null)
            {
                return (succeeded, failed.Exception!.InnerException ?? failed.Exception);
            }
        }

        return (succeeded, null);
    }
}
