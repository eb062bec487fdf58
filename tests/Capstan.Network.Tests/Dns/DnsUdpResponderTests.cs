using System.Net;
using System.Text;
using ARSoft.Tools.Net.Dns;
using Capstan.Network.Catalog;
using Capstan.Network.Dns;
using Capstan.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Network.Tests.Dns;

/// <summary>The UDP fast path on its own: hand-made query datagrams in, ARSoft parses what comes out.</summary>
public sealed class DnsUdpResponderTests : IDisposable
{
    private readonly DnsRecordIndex _index = new("cluster.local", 5);
    private readonly DnsUdpResponder _responder;

    public DnsUdpResponderTests()
    {
        _index.Apply(new ServiceKey("default", "web"), new ServiceView
        {
            Key = new ServiceKey("default", "web"),
            Type = "ClusterIP",
            ClusterIps = [IPAddress.Parse("127.43.0.20")],
            Ports = [new ServicePortView("http", "TCP", 80, 0, null, [])],
            Endpoints = [],
        });
        var endPoint = new IPEndPoint(IPAddress.Loopback, CapstanServer.FreePort());
        _responder = new DnsUdpResponder(new ClusterDnsResolver(_index), endPoint, endPoint, NullLogger.Instance);
    }

    [Theory]
    [InlineData("web.default.svc.cluster.local", RecordType.A, ReturnCode.NoError, 1)]
    [InlineData("WEB.default.svc.CLUSTER.local", RecordType.A, ReturnCode.NoError, 1)]
    [InlineData("web.default.svc.cluster.local", RecordType.Aaaa, ReturnCode.NoError, 0)]
    [InlineData("_http._tcp.web.default.svc.cluster.local", RecordType.Srv, ReturnCode.NoError, 1)]
    [InlineData("20.0.43.127.in-addr.arpa", RecordType.Ptr, ReturnCode.NoError, 1)]
    [InlineData("dns-version.cluster.local", RecordType.Txt, ReturnCode.NoError, 1)]
    [InlineData("cluster.local", RecordType.Soa, ReturnCode.NoError, 1)]
    [InlineData("nope.default.svc.cluster.local", RecordType.A, ReturnCode.NxDomain, 0)]
    [InlineData("127-10-0-1.default.pod.cluster.local", RecordType.A, ReturnCode.NoError, 1)]
    public void TryAnswer_ClusterName_ProducesAMessageArsoftParses(string name, RecordType type, ReturnCode code, int answers)
    {
        var response = new byte[4096];
        var length = _responder.TryAnswer(Query(name, type, edns: false), response, out _, out _);

        Assert.True(length > 0);
        var message = DnsMessage.Parse(new ArraySegment<byte>(response, 0, length));
        Assert.Equal(0x1234, message.TransactionID);
        Assert.True(message.IsAuthoritiveAnswer);
        Assert.True(message.IsRecursionDesired);
        Assert.Equal(code, message.ReturnCode);
        Assert.Equal(answers, message.AnswerRecords.Count);
        Assert.Equal(name, message.Questions[0].Name.ToString().TrimEnd('.'));
        if (answers == 0)
        {
            Assert.IsType<SoaRecord>(Assert.Single(message.AuthorityRecords));
        }
    }

    [Fact]
    public void TryAnswer_Edns_EchoesAnOptRecord()
    {
        var response = new byte[4096];
        var length = _responder.TryAnswer(Query("web.default.svc.cluster.local", RecordType.A, edns: true), response, out _, out var maxUdp);

        var message = DnsMessage.Parse(new ArraySegment<byte>(response, 0, length));
        Assert.True(message.IsEDnsEnabled);
        Assert.Equal(4096, maxUdp);
        Assert.Single(message.AnswerRecords);
    }

    [Fact]
    public void TryAnswer_AnswerOver512BytesWithoutEdns_SetsTruncated()
    {
        _index.Apply(new ServiceKey("default", "many"), new ServiceView
        {
            Key = new ServiceKey("default", "many"),
            Type = "ClusterIP",
            ClusterIps = [],
            Headless = true,
            Ports = [],
            Endpoints = [.. Enumerable.Range(1, 60).Select(i => new EndpointView([IPAddress.Parse($"127.10.1.{i}")], null, null, null, true, true, false))],
        });
        var response = new byte[4096];

        var length = _responder.TryAnswer(Query("many.default.svc.cluster.local", RecordType.A, edns: false), response, out _, out _);
        var message = DnsMessage.Parse(new ArraySegment<byte>(response, 0, length));
        Assert.True(message.IsTruncated);
        Assert.Empty(message.AnswerRecords);

        length = _responder.TryAnswer(Query("many.default.svc.cluster.local", RecordType.A, edns: true), response, out _, out _);
        message = DnsMessage.Parse(new ArraySegment<byte>(response, 0, length));
        Assert.False(message.IsTruncated);
        Assert.Equal(60, message.AnswerRecords.Count);
    }

    [Fact]
    public void TryAnswer_NameOutsideTheZone_IsLeftToTheFullServer()
    {
        Assert.Equal(0, _responder.TryAnswer(Query("example.test", RecordType.A, edns: false), new byte[4096], out _, out _));
        Assert.Equal(-1, _responder.TryAnswer(new byte[5], new byte[4096], out _, out _));
    }

    [Fact]
    public void TryAnswer_Warm_AllocatesNothingPerQuery()
    {
        var queries = new[] { Query("web.default.svc.cluster.local", RecordType.A, false), Query("nope.default.svc.cluster.local", RecordType.A, false), Query("_http._tcp.web.default.svc.cluster.local", RecordType.Srv, true) };
        var response = new byte[4096];
        foreach (var query in queries)
        {
            _responder.TryAnswer(query, response, out _, out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _responder.TryAnswer(queries[i % queries.Length], response, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("web.default.svc.cluster.local", RecordType.A)]
    [InlineData("nope.default.svc.cluster.local", RecordType.A)]
    [InlineData("_http._tcp.web.default.svc.cluster.local", RecordType.Srv)]
    public void TryAnswer_WarmByType_AllocatesNothing(string name, RecordType type)
    {
        var query = Query(name, type, false);
        var response = new byte[4096];
        _responder.TryAnswer(query, response, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _responder.TryAnswer(query, response, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static byte[] Query(string name, RecordType type, bool edns)
    {
        var bytes = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte)(edns ? 1 : 0) };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, (byte)((int)type >> 8), (byte)type, 0, 1]);
        if (edns)
        {
            bytes.AddRange([0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
        }

        return [.. bytes];
    }

    public void Dispose()
    {
        _responder.Dispose();
        _index.Dispose();
    }
}
