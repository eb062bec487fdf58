using Capstan.TestServer.Grpc;
using Capstan.TestServer.Lifecycle;

namespace Capstan.TestServer.Tests.Grpc;

public sealed class GrpcHealthTests
{
    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0 }, "")]
    [InlineData(new byte[] { 0, 0, 0, 0, 5, 0x0A, 3, (byte)'a', (byte)'b', (byte)'c' }, "abc")]
    [InlineData(new byte[] { 0, 0, 0, 0, 7, 0x10, 0x96, 0x01, 0x0A, 2, (byte)'x', (byte)'y' }, "xy")]
    public void ReadService_Request_ReturnsServiceName(byte[] grpcMessage, string expected)
    {
        Assert.Equal(expected, GrpcHealth.ReadService(grpcMessage));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 0x0A, 9, (byte)'a' })]
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 0x0D })]
    public void ReadService_Malformed_Throws(byte[] grpcMessage)
    {
        Assert.Throws<InvalidDataException>(() => GrpcHealth.ReadService(grpcMessage));
    }

    [Fact]
    public void Check_Services_FollowProbeState()
    {
        var probes = new ProbeState(healthy: false, ready: true);

        Assert.Equal((0, GrpcHealth.NotServing), GrpcHealthServer.Check("", probes));
        Assert.Equal((0, GrpcHealth.NotServing), GrpcHealthServer.Check("liveness", probes));
        Assert.Equal((0, GrpcHealth.Serving), GrpcHealthServer.Check("readiness", probes));
        Assert.Equal((GrpcHealth.StatusNotFound, 0), GrpcHealthServer.Check("other", probes));
    }

    [Fact]
    public async Task Frame_SerializedThenRead_RoundTrips()
    {
        var frame = new Http2Frame(Http2Frame.Data, Http2Frame.EndStream, 3, [1, 2, 3]);

        var read = await Http2Frame.ReadAsync(new MemoryStream(frame.Serialize()), CancellationToken.None);

        Assert.Equal((frame.Type, frame.Flags, frame.StreamId), (read!.Value.Type, read.Value.Flags, read.Value.StreamId));
        Assert.Equal(frame.Payload, read.Value.Payload);
    }

    [Fact]
    public void DataWithoutPadding_Padded_StripsPadding()
    {
        var frame = new Http2Frame(Http2Frame.Data, Http2Frame.Padded, 1, [2, 7, 8, 0, 0]);

        Assert.Equal(new byte[] { 7, 8 }, frame.DataWithoutPadding().ToArray());
    }
}
