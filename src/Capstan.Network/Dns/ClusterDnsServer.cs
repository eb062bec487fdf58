using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Capstan.Network.Catalog;
using Microsoft.Extensions.Logging;

namespace Capstan.Network.Dns;

/// <summary>
/// The cluster DNS server: answers the cluster zone from a <see cref="DnsRecordIndex"/> kept current by the
/// <see cref="ServiceCatalog"/> and forwards every other name upstream. TCP is ARSoft.Tools.Net's DnsServer; UDP is
/// the <see cref="DnsUdpResponder"/>, which answers cluster names from cached wire bytes and relays the rest to TCP.
/// </summary>
public sealed class ClusterDnsServer : IAsyncDisposable
{
    private readonly DnsServer _server;
    private readonly ClusterDnsResolver _resolver;
    private readonly UpstreamForwarder _forwarder;
    private readonly DnsUdpResponder _udp;
    private readonly ILogger _logger;

    private ClusterDnsServer(DnsRecordIndex index, ClusterDnsOptions options, ILogger logger)
    {
        Index = index;
        Options = options;
        _logger = logger;
        _resolver = new ClusterDnsResolver(index);
        _forwarder = new UpstreamForwarder(options.Upstreams, options.UpstreamTimeout);
        _server = new DnsServer(new TcpServerTransport(options.ListenEndPoint, 5000, 120000));
        _udp = new DnsUdpResponder(_resolver, options.ListenEndPoint, RelayEndPoint(options.ListenEndPoint), logger);
        _server.QueryReceived += OnQueryReceivedAsync;
        _server.ExceptionThrown += (_, e) =>
        {
            _logger.LogWarning(e.Exception, "cluster DNS: error serving a query");
            return Task.CompletedTask;
        };
    }

    public DnsRecordIndex Index { get; }

    public ClusterDnsOptions Options { get; }

    public ClusterDnsResolver Resolver => _resolver;

    /// <summary>Binds the listener and starts answering; the index follows <paramref name="catalog"/> from now on.</summary>
    public static ClusterDnsServer Start(ServiceCatalog catalog, ClusterDnsOptions options, ILoggerFactory loggerFactory)
    {
        var index = new DnsRecordIndex(options.ClusterDomain, options.TtlSeconds);
        index.Attach(catalog);
        var server = new ClusterDnsServer(index, options, loggerFactory.CreateLogger<ClusterDnsServer>());
        try
        {
            server._server.Start();
            server._udp.Start(Math.Max(2, Environment.ProcessorCount));
        }
        catch
        {
            server._server.Stop();
            server._udp.Dispose();
            index.Dispose();
            server._forwarder.Dispose();
            throw;
        }

        return server;
    }

    private static IPEndPoint RelayEndPoint(IPEndPoint listen) =>
        listen.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, listen.Port)
        : listen.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, listen.Port)
        : listen;

    /// <summary>Builds the answer to one query message: cluster names from the index, others from upstream.</summary>
    public async Task<DnsMessage> AnswerAsync(DnsMessage query, CancellationToken ct)
    {
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = true;
        if (query.Questions.Count != 1 || query.IsQuery is false)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }

        var question = query.Questions[0];
        var lookup = _resolver.Lookup(question.Name.ToString(), question.RecordType);
        switch (lookup.Kind)
        {
            case DnsLookupKind.Answer:
                response.IsAuthoritiveAnswer = true;
                response.AnswerRecords.AddRange(lookup.Answers);
                if (lookup.Answers[0] is CNameRecord cname && question.RecordType != RecordType.CName)
                {
                    await ChaseAsync(response, cname.CanonicalName, question, ct).ConfigureAwait(false);
                }
                else if (question.RecordType == RecordType.Srv)
                {
                    AddTargets(response, lookup.Answers);
                }

                break;
            case DnsLookupKind.NoData:
                response.IsAuthoritiveAnswer = true;
                response.AuthorityRecords.Add(Index.Soa);
                break;
            case DnsLookupKind.NxDomain:
                response.IsAuthoritiveAnswer = true;
                response.ReturnCode = ReturnCode.NxDomain;
                response.AuthorityRecords.Add(Index.Soa);
                break;
            default:
                var upstream = await _forwarder.ForwardAsync(question.Name, question.RecordType, question.RecordClass, ct).ConfigureAwait(false);
                if (upstream is null)
                {
                    response.ReturnCode = ReturnCode.ServerFailure;
                    break;
                }

                response.ReturnCode = upstream.ReturnCode;
                response.AnswerRecords.AddRange(upstream.AnswerRecords);
                response.AuthorityRecords.AddRange(upstream.AuthorityRecords);
                response.AdditionalRecords.AddRange(upstream.AdditionalRecords.Where(r => r.RecordType != RecordType.Opt));
                break;
        }

        return response;
    }

    // An ExternalName's CNAME: the target's records follow in the same answer when we can get them.
    private async Task ChaseAsync(DnsMessage response, DomainName target, DnsQuestion question, CancellationToken ct)
    {
        var local = _resolver.Lookup(target.ToString(), question.RecordType);
        if (local.Kind == DnsLookupKind.Answer)
        {
            response.AnswerRecords.AddRange(local.Answers.Where(r => r is not CNameRecord));
            return;
        }

        if (local.Kind == DnsLookupKind.Forward)
        {
            var upstream = await _forwarder.ForwardAsync(target, question.RecordType, question.RecordClass, ct).ConfigureAwait(false);
            if (upstream is not null)
            {
                response.AnswerRecords.AddRange(upstream.AnswerRecords);
            }
        }
    }

    // SRV answers carry the targets' addresses in the additional section, sparing clients a second round trip.
    private void AddTargets(DnsMessage response, DnsRecordBase[] answers)
    {
        foreach (var srv in answers.OfType<SrvRecord>())
        {
            if (Index.Find(srv.Target.ToString().TrimEnd('.')) is { } entry)
            {
                response.AdditionalRecords.AddRange(entry.A);
                response.AdditionalRecords.AddRange(entry.Aaaa);
            }
        }
    }

    private async Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage query)
        {
            e.Response = await AnswerAsync(query, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _udp.Dispose();
        _server.Stop();
        Index.Dispose();
        _forwarder.Dispose();
        return ValueTask.CompletedTask;
    }
}
