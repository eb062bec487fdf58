using Capstan.Controllers.ReplicaSet;

namespace Capstan.Controllers.Tests.ReplicaSet;

public sealed class SlowStartTests
{
    [Theory]
    [InlineData(0, new int[0])]
    [InlineData(1, new[] { 1 })]
    [InlineData(3, new[] { 1, 2 })]
    [InlineData(10, new[] { 1, 2, 4, 3 })]
    [InlineData(15, new[] { 1, 2, 4, 8 })]
    public void Batches_Count_DoublesFromOne(int count, int[] expected) =>
        Assert.Equal(expected, SlowStart.Batches(count).ToArray());

    [Fact]
    public async Task RunAsync_FailureInABatch_StopsAfterThatBatch()
    {
        var calls = 0;
        var (succeeded, error) = await SlowStart.RunAsync(10, () =>
        {
            var n = Interlocked.Increment(ref calls);
            return n == 3 ? Task.FromException(new InvalidOperationException("quota")) : Task.CompletedTask;
        });

        // Batches 1 and 2 ran (3 calls), the third call failed, the rest were skipped.
        Assert.Equal(3, calls);
        Assert.Equal(2, succeeded);
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public async Task RunAsync_AllSucceed_RunsEveryCall()
    {
        var calls = 0;
        var (succeeded, error) = await SlowStart.RunAsync(7, () =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        });

        Assert.Equal((7, 7), (calls, succeeded));
        Assert.Null(error);
    }
}
