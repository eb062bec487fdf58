using Capstan.Client.WorkQueue;

namespace Capstan.Controllers.Tests.Client;

public sealed class RateLimitingQueueTests
{
    private readonly ManualTimeProvider _time = new();

    private RateLimitingQueue<string> NewQueue() => new(DefaultControllerRateLimiter.Create<string>(_time), _time);

    [Fact]
    public async Task Add_SameItemTwice_HandedOutOnce()
    {
        using var queue = NewQueue();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync(CancellationToken.None)).Item);
        Assert.Equal("b", (await queue.GetAsync(CancellationToken.None)).Item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Add_WhileProcessing_ComesBackOnlyAfterDone()
    {
        using var queue = NewQueue();
        queue.Add("a");
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Add("a");
        Assert.Equal(0, queue.Count);
        var second = queue.GetAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);
        queue.Done(item);
        Assert.Equal("a", (await second).Item);
    }

    [Fact]
    public async Task Done_WithoutReAdd_DoesNotRequeue()
    {
        using var queue = NewQueue();
        queue.Add("a");
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Done(item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void AddAfter_BeforeDue_IsNotQueued_AfterDue_IsQueued()
    {
        using var queue = NewQueue();
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddAfter_EarlierDelay_Wins()
    {
        using var queue = NewQueue();
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddRateLimited_BacksOffExponentially_AndForgetResets()
    {
        using var queue = NewQueue();
        queue.AddRateLimited("a");
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, queue.NumRequeues("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }

    [Fact]
    public async Task GetAsync_WaitsForAnItem()
    {
        using var queue = NewQueue();
        var pending = queue.GetAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);
        queue.Add("x");
        Assert.Equal("x", (await pending).Item);
    }

    [Fact]
    public async Task ShutDown_DrainsQueuedItems_ThenReportsShutDown()
    {
        using var queue = NewQueue();
        queue.Add("a");
        queue.ShutDown();
        queue.Add("b");
        var first = await queue.GetAsync(CancellationToken.None);
        Assert.Equal(("a", false), first);
        var second = await queue.GetAsync(CancellationToken.None);
        Assert.True(second.ShutDown);
    }

    [Fact]
    public async Task GetAsync_Cancelled_Throws()
    {
        using var queue = NewQueue();
        using var cts = new CancellationTokenSource();
        var pending = queue.GetAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(10, 5120)]
    [InlineData(18, 1_000_000)]
    [InlineData(100, 1_000_000)]
    public void ExponentialFailureRateLimiter_DoublesFrom5Ms_CappedAt1000S(int failuresBefore, int expectedMs)
    {
        var limiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        for (var i = 0; i < failuresBefore; i++)
        {
            limiter.When("a");
        }

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("other"));
    }

    [Fact]
    public void TokenBucketRateLimiter_AfterBurst_SpacesRetriesByQps()
    {
        var limiter = new TokenBucketRateLimiter<string>(10, 100, _time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, limiter.When("x" + i));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When("y"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.When("z"));
        _time.Advance(TimeSpan.FromSeconds(1));
        // 10 tokens refilled against 2 reserved: 8 free again.
        Assert.Equal(TimeSpan.Zero, limiter.When("w"));
    }
}
