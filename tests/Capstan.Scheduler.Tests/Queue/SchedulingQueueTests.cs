using Capstan.Scheduler.Framework;
using Capstan.Scheduler.Queue;
using k8s.Models;
using static Capstan.Scheduler.Tests.TestObjects;

namespace Capstan.Scheduler.Tests.Queue;

public sealed class SchedulingQueueTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly SchedulingQueue _queue;

    public SchedulingQueueTests()
    {
        _queue = new SchedulingQueue(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
    }

    public void Dispose() => _queue.Dispose();

    [Fact]
    public void BackoffDuration_DoublesFromOneSecondUpToTen()
    {
        var seconds = Enumerable.Range(1, 6).Select(a => _queue.BackoffDuration(a).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 10, 10], seconds);
    }

    [Fact]
    public async Task PopAsync_HigherPriorityFirst_ThenArrivalOrder()
    {
        _queue.Add(Info(Pod("first")));
        _queue.Add(Info(WithPriority(Pod("urgent"), 1000)));
        _queue.Add(Info(Pod("second")));

        var order = new[] { await PopAsync(), await PopAsync(), await PopAsync() }.Select(p => p.Pod.Name);

        Assert.Equal(["urgent", "first", "second"], order);
    }

    [Fact]
    public async Task PopAsync_EmptyQueue_WaitsForAdd()
    {
        var pop = _queue.PopAsync(CancellationToken.None);
        Assert.False(pop.IsCompleted);

        _queue.Add(Info(Pod("late")));

        Assert.Equal("late", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).Pod.Name);
    }

    [Fact]
    public async Task AddUnschedulable_WaitsForMove_ThenBacksOffBeforeActive()
    {
        _queue.Add(Info(Pod("p")));
        var popped = await PopAsync();
        _queue.AddUnschedulable(popped);
        Assert.Equal(QueuedPodState.Unschedulable, _queue.StateOf("default/p"));

        // A node appears half a second later: still within the 1 s back-off of the first attempt.
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _queue.MoveAllToActiveOrBackoff();
        Assert.Equal(QueuedPodState.Backoff, _queue.StateOf("default/p"));

        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(QueuedPodState.Active, _queue.StateOf("default/p"));
        Assert.Equal(2, (await PopAsync()).Attempts);
    }

    [Fact]
    public async Task AddUnschedulable_MoveAfterBackoff_GoesStraightToActive()
    {
        _queue.Add(Info(Pod("p")));
        _queue.AddUnschedulable(await PopAsync());

        _time.Advance(TimeSpan.FromSeconds(3));
        _queue.MoveAllToActiveOrBackoff();

        Assert.Equal(QueuedPodState.Active, _queue.StateOf("default/p"));
    }

    [Fact]
    public async Task AddUnschedulable_ClusterChangedDuringAttempt_BacksOffInsteadOfWaiting()
    {
        _queue.Add(Info(Pod("p")));
        var popped = await PopAsync();
        _queue.MoveAllToActiveOrBackoff();

        _queue.AddUnschedulable(popped);

        Assert.Equal(QueuedPodState.Backoff, _queue.StateOf("default/p"));
    }

    [Fact]
    public async Task Unschedulable_NothingChanges_RetriedAfterTimeout()
    {
        _queue.Add(Info(Pod("p")));
        _queue.AddUnschedulable(await PopAsync());

        _time.Advance(TimeSpan.FromSeconds(55));
        Assert.Equal(QueuedPodState.Unschedulable, _queue.StateOf("default/p"));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(QueuedPodState.Active, _queue.StateOf("default/p"));
    }

    [Fact]
    public async Task AddBackoff_RepeatedFailures_BackoffGrows()
    {
        _queue.Add(Info(Pod("p")));
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var popped = await PopAsync();
            Assert.Equal(attempt, popped.Attempts);
            _queue.AddBackoff(popped);
            var wait = _queue.BackoffDuration(attempt);
            _time.Advance(wait - TimeSpan.FromMilliseconds(1));
            Assert.Equal(QueuedPodState.Backoff, _queue.StateOf("default/p"));
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(QueuedPodState.Active, _queue.StateOf("default/p"));
        }
    }

    [Fact]
    public async Task Update_StatusOnly_DoesNotRetryUnschedulable()
    {
        var pod = Pod("p");
        _queue.Add(Info(pod));
        _queue.AddUnschedulable(await PopAsync());
        _time.Advance(TimeSpan.FromSeconds(5));

        pod.Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable" }] };
        pod.Metadata.ResourceVersion = "2";
        _queue.Update(Info(pod));
        Assert.Equal(QueuedPodState.Unschedulable, _queue.StateOf("default/p"));

        pod.Metadata.Labels = new Dictionary<string, string> { ["changed"] = "yes" };
        _queue.Update(Info(pod));
        Assert.Equal(QueuedPodState.Active, _queue.StateOf("default/p"));
    }

    [Fact]
    public async Task Delete_InFlightPod_FailureIsDropped()
    {
        _queue.Add(Info(Pod("p")));
        var popped = await PopAsync();

        _queue.Delete("default/p");
        _queue.AddUnschedulable(popped);

        Assert.Null(_queue.StateOf("default/p"));
    }

    [Fact]
    public async Task Done_RemovesPod()
    {
        _queue.Add(Info(Pod("p")));
        _queue.Done(await PopAsync());

        Assert.Null(_queue.StateOf("default/p"));
        Assert.Equal(0, _queue.ActiveCount);
    }

    private async Task<QueuedPod> PopAsync() => await _queue.PopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

    private static V1Pod WithPriority(V1Pod pod, int priority)
    {
        pod.Spec.Priority = priority;
        return pod;
    }
}
