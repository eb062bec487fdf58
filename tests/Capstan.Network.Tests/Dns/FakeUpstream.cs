using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Server;

namespace Capstan.Network.Tests.Dns;

/// <summary>
/// An upstream nameserver on 127.0.0.77: `www.example.test` A 192.0.2.1, `big.example.test` TXT (truncated over UDP,
/// whole over TCP), PTR for 192.0.2.1, NXDOMAIN for the rest.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    public const int BigRecords = 40;

    public static readonly IPAddress Address = IPAddress.Parse("192.0.2.1");

    private readonly DnsServer _server;
    private int _tcpQueries;

    private FakeUpstream(IPEndPoint endPoint)
    {
        EndPoint = endPoint;
        _server = new DnsServer(new UdpServerTransport(endPoint, 5000), new TcpServerTransport(endPoint, 5000, 5000));
        _server.QueryReceived += OnQueryAsync;
    }

    public IPEndPoint EndPoint { get; }

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    public static FakeUpstream Start()
    {
        var upstream = new FakeUpstream(new IPEndPoint(IPAddress.Parse("127.0.0.77"), CapstanServer.FreePort()));
        upstream._server.Start();
        return upstream;
    }

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        var query = (DnsMessage)e.Query;
        var response = query.CreateResponseInstance();
        var question = query.Questions[0];
        var name = question.Name.ToString().TrimEnd('.');
        if (e.TransportProtocol == TransportProtocol.Tcp)
        {
            Interlocked.Increment(ref _tcpQueries);
        }

        switch (name)
        {
            case "www.example.test" when question.RecordType == RecordType.A:
                response.AnswerRecords.Add(new ARecord(question.Name, 60, Address));
                break;
            case "1.2.0.192.in-addr.arpa":
                response.AnswerRecords.Add(new PtrRecord(question.Name, 60, DomainName.Parse("www.example.test")));
                break;
            case "big.example.test" when e.TransportProtocol == TransportProtocol.Udp:
                response.IsTruncated = true;
                break;
            case "big.example.test":
                for (var i = 0; i < BigRecords; i++)
                {
                    response.AnswerRecords.Add(new TxtRecord(question.Name, 60, new string('x', 100) + i));
                }

                break;
            default:
                response.ReturnCode = ReturnCode.NxDomain;
                break;
        }

        e.Response = response;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _server.Stop();
        return ValueTask.CompletedTask;
    }
}
