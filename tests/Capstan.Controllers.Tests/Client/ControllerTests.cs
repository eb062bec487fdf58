using System.Collections.Concurrent;
using Capstan.Client.Informers;
using Capstan.Client.Reconciling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Controllers.Tests.Client;

public sealed class ControllerTests
{
    [Fact]
    public async Task Reconcile_Failure_RetriesAfterBackoff_SuccessForgets()
    {
        var time = new ManualTimeProvider();
        using var controller = new ScriptedController(time, workers: 2) { FailuresLeft = 2 };
        await controller.StartAsync(CancellationToken.None);
        controller.Enqueue("k");

        await WaitAsync(() => controller.Calls.Count == 1);
        // First retry after 5 ms, second after 10 ms; nothing happens before the clock moves.
        await Task.Delay(50);
        Assert.Single(controller.Calls);
        await WaitUntilAsync(time, TimeSpan.FromMilliseconds(5), () => controller.Calls.Count == 2);
        await WaitUntilAsync(time, TimeSpan.FromMilliseconds(10), () => controller.Calls.Count == 3);
        await WaitAsync(() => controller.Requeues("k") == 0);

        await controller.StopAsync(CancellationToken.None);
        Assert.Equal(1, controller.MaxConcurrent);
    }

    [Fact]
    public async Task Reconcile_SameKeyAddedWhileRunning_NeverRunsTwiceAtOnce()
    {
        using var controller = new ScriptedController(TimeProvider.System, workers: 4) { Hold = new TaskCompletionSource() };
        await controller.StartAsync(CancellationToken.None);
        controller.Enqueue("k");
        await WaitAsync(() => controller.Calls.Count == 1);
        controller.Enqueue("k");
        controller.Enqueue("k");
        await Task.Delay(100);
        Assert.Single(controller.Calls);
        controller.Hold.SetResult();
        await WaitAsync(() => controller.Calls.Count == 2);
        await controller.StopAsync(CancellationToken.None);
        Assert.Equal(1, controller.MaxConcurrent);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    // Moves the clock once the worker has put the item back (the delayed add is registered), then waits for the call.
    private static async Task WaitUntilAsync(ManualTimeProvider time, TimeSpan step, Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            time.Advance(step);
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    private sealed class ScriptedController(TimeProvider time, int workers)
        : Controller("scripted", workers, NullLogger.Instance, time)
    {
        private int _running;

        public ConcurrentQueue<string> Calls { get; } = new();

        public int FailuresLeft { get; set; }

        public int MaxConcurrent { get; private set; }

        public TaskCompletionSource? Hold { get; init; }

        protected override IReadOnlyCollection<DynamicInformer> Informers => [];

        public void Enqueue(string key) => Queue.Add(key);

        public int Requeues(string key) => Queue.NumRequeues(key);

        protected override async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
        {
            var running = Interlocked.Increment(ref _running);
            MaxConcurrent = Math.Max(MaxConcurrent, running);
            try
            {
                Calls.Enqueue(key);
                if (Hold is { } hold && Calls.Count == 1)
                {
                    await hold.Task.WaitAsync(ct);
                }

                if (FailuresLeft > 0)
                {
                    FailuresLeft--;
                    throw new InvalidOperationException("scripted failure");
                }

                return ReconcileResult.Done;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
