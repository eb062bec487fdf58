using Capstan.Controllers.Expectations;

namespace Capstan.Controllers.Tests.Expectations;

public sealed class ControllerExpectationsTests
{
    [Fact]
    public void Satisfied_UnknownKey_True() => Assert.True(new ControllerExpectations(new ManualTimeProvider()).Satisfied("ns/rs"));

    [Fact]
    public void Satisfied_CreationsPending_FalseUntilAllObserved()
    {
        var expectations = new ControllerExpectations(new ManualTimeProvider());
        expectations.ExpectCreations("ns/rs", 2);

        expectations.CreationObserved("ns/rs");
        Assert.False(expectations.Satisfied("ns/rs"));
        expectations.CreationObserved("ns/rs");
        Assert.True(expectations.Satisfied("ns/rs"));
    }

    [Fact]
    public void Satisfied_DeletionsTrackedByPod_RepeatedObservationCountsOnce()
    {
        var expectations = new ControllerExpectations(new ManualTimeProvider());
        expectations.ExpectDeletions("ns/rs", ["ns/a", "ns/b"]);

        // A graceful delete is seen twice (deletionTimestamp set, then gone): it must not stand in for the other pod.
        expectations.DeletionObserved("ns/rs", "ns/a");
        expectations.DeletionObserved("ns/rs", "ns/a");
        Assert.False(expectations.Satisfied("ns/rs"));
        expectations.DeletionObserved("ns/rs", "ns/b");
        Assert.True(expectations.Satisfied("ns/rs"));
    }

    [Fact]
    public void Satisfied_ExpectationsOlderThanTtl_True()
    {
        var time = new ManualTimeProvider();
        var expectations = new ControllerExpectations(time);
        expectations.ExpectCreations("ns/rs", 5);

        time.Advance(ControllerExpectations.Ttl + TimeSpan.FromSeconds(1));

        Assert.True(expectations.Satisfied("ns/rs"));
    }
}
