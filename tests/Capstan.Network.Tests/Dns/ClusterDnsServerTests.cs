using System.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Network.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Capstan.Network.Tests.Dns;

public sealed class ClusterDnsServerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Query_ClusterIpService_AnswersAddressSrvPtrAndEmptyAaaa()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);
        var service = await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" }] },
        }, "default");
        var clusterIp = IPAddress.Parse(service.Spec.ClusterIP);
        await Eventually.TrueAsync(() => dns.Server.Index.Find("web.default.svc.cluster.local") is not null, "the service in the index");

        var a = await dns.QueryAsync("web.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NoError, a.ReturnCode);
        Assert.True(a.IsAuthoritiveAnswer);
        var record = Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords));
        Assert.Equal(clusterIp, record.Address);
        Assert.Equal(5, record.TimeToLive);

        // Case does not matter.
        Assert.Single((await dns.QueryAsync("WEB.Default.SVC.cluster.local", RecordType.A)).AnswerRecords);

        var aaaa = await dns.QueryAsync("web.default.svc.cluster.local", RecordType.Aaaa);
        Assert.Equal(ReturnCode.NoError, aaaa.ReturnCode);
        Assert.Empty(aaaa.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(aaaa.AuthorityRecords));

        var srv = await dns.QueryAsync("_http._tcp.web.default.svc.cluster.local", RecordType.Srv);
        var srvRecord = Assert.IsType<SrvRecord>(Assert.Single(srv.AnswerRecords));
        Assert.Equal(80, srvRecord.Port);
        Assert.Equal("web.default.svc.cluster.local.", srvRecord.Target.ToString());
        Assert.Contains(srv.AdditionalRecords, r => r is ARecord additional && additional.Address.Equals(clusterIp));
        Assert.Equal(53, Assert.IsType<SrvRecord>(Assert.Single((await dns.QueryAsync("_dns._udp.web.default.svc.cluster.local", RecordType.Srv)).AnswerRecords)).Port);

        var ptr = await dns.QueryAsync(Capstan.Network.Dns.DnsNames.Reverse(clusterIp), RecordType.Ptr);
        Assert.Equal("web.default.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString());

        // Names above records exist (NOERROR, empty); names nothing defines do not (NXDOMAIN); both carry the SOA.
        foreach (var existing in new[] { "_tcp.web.default.svc.cluster.local", "default.svc.cluster.local", "svc.cluster.local", "cluster.local" })
        {
            var empty = await dns.QueryAsync(existing, RecordType.A);
            Assert.Equal(ReturnCode.NoError, empty.ReturnCode);
            Assert.Empty(empty.AnswerRecords);
        }

        foreach (var missing in new[] { "nope.default.svc.cluster.local", "web.other.svc.cluster.local", "_dns._tcp.web.default.svc.cluster.local", "x.web.default.svc.cluster.local" })
        {
            var nx = await dns.QueryAsync(missing, RecordType.A);
            Assert.Equal(ReturnCode.NxDomain, nx.ReturnCode);
            Assert.IsType<SoaRecord>(Assert.Single(nx.AuthorityRecords));
        }

        var version = await dns.QueryAsync("dns-version.cluster.local", RecordType.Txt);
        Assert.Equal("1.1.0", Assert.IsType<TxtRecord>(Assert.Single(version.AnswerRecords)).TextData);
        await fixture.Client.DeleteNamespacedServiceAsync("web", "default");
    }

    [Fact]
    public async Task Query_HeadlessService_AnswersReadyEndpointsHostnamesSrvAndPtr()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);
        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Name = "pg", Port = 5432, TargetPort = 15432 }] },
        }, "default");

        // Without endpoints a headless service has no A records: NXDOMAIN, per the schema.
        await Eventually.TrueAsync(() => dns.Catalog.Get("default", "db") is not null, "the service in the catalog");
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync("db.default.svc.cluster.local", RecordType.A)).ReturnCode);

        await fixture.Client.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "db-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "db" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "pg", Port = 15432, Protocol = "TCP" }],
            Endpoints =
            [
                new V1Endpoint { Addresses = ["127.10.0.2"], Hostname = "db-0", Conditions = new V1EndpointConditions { Ready = true } },
                new V1Endpoint { Addresses = ["127.10.0.3"], Conditions = new V1EndpointConditions { Ready = true } },
                new V1Endpoint { Addresses = ["127.10.0.4"], Hostname = "db-2", Conditions = new V1EndpointConditions { Ready = false } },
            ],
        }, "default");
        await Eventually.TrueAsync(() => dns.Server.Index.Find("db-0.db.default.svc.cluster.local") is not null, "the endpoints in the index");

        var a = await dns.QueryAsync("db.default.svc.cluster.local", RecordType.A);
        Assert.Equal(["127.10.0.2", "127.10.0.3"], a.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order());
        var host = await dns.QueryAsync("db-0.db.default.svc.cluster.local", RecordType.A);
        Assert.Equal("127.10.0.2", Assert.IsType<ARecord>(Assert.Single(host.AnswerRecords)).Address.ToString());
        Assert.Equal("127.10.0.3", Assert.IsType<ARecord>(Assert.Single((await dns.QueryAsync("127-10-0-3.db.default.svc.cluster.local", RecordType.A)).AnswerRecords)).Address.ToString());
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync("db-2.db.default.svc.cluster.local", RecordType.A)).ReturnCode);

        var srv = await dns.QueryAsync("_pg._tcp.db.default.svc.cluster.local", RecordType.Srv);
        Assert.Equal(
            ["127-10-0-3.db.default.svc.cluster.local.", "db-0.db.default.svc.cluster.local."],
            srv.AnswerRecords.OfType<SrvRecord>().Select(r => r.Target.ToString()).Order());
        Assert.All(srv.AnswerRecords.OfType<SrvRecord>(), r => Assert.Equal(15432, r.Port));
        Assert.Equal(2, srv.AdditionalRecords.OfType<ARecord>().Count());

        var ptr = await dns.QueryAsync("2.0.10.127.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("db-0.db.default.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString());

        // publishNotReadyAddresses publishes the not-ready endpoint too.
        var service = await fixture.Client.ReadNamespacedServiceAsync("db", "default");
        service.Spec.PublishNotReadyAddresses = true;
        await fixture.Client.ReplaceNamespacedServiceAsync(service, "db", "default");
        await Eventually.TrueAsync(() => dns.Server.Index.Find("db-2.db.default.svc.cluster.local") is not null, "the not-ready endpoint in the index");
        Assert.Equal(3, (await dns.QueryAsync("db.default.svc.cluster.local", RecordType.A)).AnswerRecords.Count);
        await fixture.Client.DeleteNamespacedServiceAsync("db", "default");
        await fixture.Client.DeleteNamespacedEndpointSliceAsync("db-1", "default");
    }

    [Fact]
    public async Task Query_AnswerLargerThanUdpAllows_IsTruncatedAndServedOverTcp()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);
        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "many" },
            Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Name = "p", Port = 80 }] },
        }, "default");
        await fixture.Client.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "many-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "many" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "p", Port = 80, Protocol = "TCP" }],
            Endpoints = [.. Enumerable.Range(1, 60).Select(i => new V1Endpoint { Addresses = [$"127.10.1.{i}"] })],
        }, "default");
        await Eventually.TrueAsync(() => dns.Server.Index.Find("many.default.svc.cluster.local")?.A.Length == 60, "60 endpoints in the index");

        // 60 A records need 1 KiB: over UDP without EDNS (512 bytes) the answer is truncated and the client asks over TCP.
        var a = await dns.QueryAsync("many.default.svc.cluster.local", RecordType.A);
        Assert.Equal(60, a.AnswerRecords.Count);
        await fixture.Client.DeleteNamespacedServiceAsync("many", "default");
        await fixture.Client.DeleteNamespacedEndpointSliceAsync("many-1", "default");
    }

    [Fact]
    public async Task Query_PodName_AnswersTheAddressItSpells()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);

        var a = await dns.QueryAsync("127-10-0-9.any.pod.cluster.local", RecordType.A);
        Assert.Equal("127.10.0.9", Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords)).Address.ToString());
        var aaaa = await dns.QueryAsync("127-10-0-9.any.pod.cluster.local", RecordType.Aaaa);
        Assert.Equal(ReturnCode.NoError, aaaa.ReturnCode);
        Assert.Empty(aaaa.AnswerRecords);
        var v6 = await dns.QueryAsync("fd00--1.any.pod.cluster.local", RecordType.Aaaa);
        Assert.Equal(IPAddress.Parse("fd00::1"), Assert.IsType<AaaaRecord>(Assert.Single(v6.AnswerRecords)).Address);
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync("not-an-ip.any.pod.cluster.local", RecordType.A)).ReturnCode);
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync("a.127-10-0-9.any.pod.cluster.local", RecordType.A)).ReturnCode);
    }

    [Fact]
    public async Task Query_OutsideTheZone_IsForwardedAndFallsBackToTcpWhenTruncated()
    {
        await using var upstream = FakeUpstream.Start();
        await using var dns = await DnsTestServer.StartAsync(fixture, [upstream.EndPoint]);

        var a = await dns.QueryAsync("www.example.test", RecordType.A);
        Assert.Equal(ReturnCode.NoError, a.ReturnCode);
        Assert.Equal(FakeUpstream.Address, Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords)).Address);

        var nx = await dns.QueryAsync("missing.example.test", RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, nx.ReturnCode);

        // The upstream truncates this answer over UDP; the full one comes over TCP.
        var big = await dns.QueryAsync("big.example.test", RecordType.Txt);
        Assert.Equal(FakeUpstream.BigRecords, big.AnswerRecords.Count);
        Assert.True(upstream.TcpQueries > 0);

        // Reverse names the cluster does not own fall through to upstream as well.
        var ptr = await dns.QueryAsync("1.2.0.192.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("www.example.test.", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString());
    }

    [Fact]
    public async Task Query_ExternalNameService_AnswersCnameAndTheTargetsAddress()
    {
        await using var upstream = FakeUpstream.Start();
        await using var dns = await DnsTestServer.StartAsync(fixture, [upstream.EndPoint]);
        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "ext" },
            Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "www.example.test" },
        }, "default");
        await Eventually.TrueAsync(() => dns.Server.Index.Find("ext.default.svc.cluster.local") is not null, "the service in the index");

        var a = await dns.QueryAsync("ext.default.svc.cluster.local", RecordType.A);
        Assert.Equal("www.example.test.", Assert.IsType<CNameRecord>(a.AnswerRecords[0]).CanonicalName.ToString());
        Assert.Equal(FakeUpstream.Address, Assert.IsType<ARecord>(a.AnswerRecords[1]).Address);
        var cname = await dns.QueryAsync("ext.default.svc.cluster.local", RecordType.CName);
        Assert.IsType<CNameRecord>(Assert.Single(cname.AnswerRecords));
        await fixture.Client.DeleteNamespacedServiceAsync("ext", "default");
    }

    [Fact]
    public async Task Query_ServiceCreatedThenDeleted_FollowsTheApi()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);
        var name = "live.default.svc.cluster.local";
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync(name, RecordType.A)).ReturnCode);

        await fixture.Client.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "live" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] },
        }, "default");
        await EventuallyAsync(async () => (await dns.QueryAsync(name, RecordType.A)).AnswerRecords.Count == 1, "the new service to resolve");

        await fixture.Client.DeleteNamespacedServiceAsync("live", "default");
        await EventuallyAsync(async () => (await dns.QueryAsync(name, RecordType.A)).ReturnCode == ReturnCode.NxDomain, "the deleted service to stop resolving");
    }

    [Fact]
    public async Task Start_PortTaken_ThrowsSocketException()
    {
        await using var dns = await DnsTestServer.StartAsync(fixture);
        await using var informers = fixture.CreateInformers();
        var catalog = new Capstan.Network.Catalog.ServiceCatalog(informers);

        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => Capstan.Network.Dns.ClusterDnsServer.Start(
            catalog, dns.Server.Options, fixture.LoggerFactory));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(20);
        }
    }
}
