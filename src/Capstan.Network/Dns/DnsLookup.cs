using ARSoft.Tools.Net.Dns;

namespace Capstan.Network.Dns;

/// <summary>What the cluster zone says about a question.</summary>
public enum DnsLookupKind
{
    /// <summary>Records of the asked type (or a CNAME to follow).</summary>
    Answer,

    /// <summary>The name exists but has no records of the asked type: NOERROR with an empty answer and the SOA.</summary>
    NoData,

    /// <summary>The name does not exist in the cluster zone: NXDOMAIN with the SOA.</summary>
    NxDomain,

    /// <summary>Not ours: ask the upstream servers.</summary>
    Forward,
}

/// <summary>The result of <see cref="ClusterDnsResolver.Lookup"/>: a kind and, for answers, the records.</summary>
/// <param name="Entry">The index entry the answers came from (null for pod records, made per query).</param>
public readonly record struct DnsLookup(DnsLookupKind Kind, DnsRecordBase[] Answers, DnsNameEntry? Entry = null)
{
    public static readonly DnsLookup NoData = new(DnsLookupKind.NoData, []);

    public static readonly DnsLookup NxDomain = new(DnsLookupKind.NxDomain, []);

    public static readonly DnsLookup Forward = new(DnsLookupKind.Forward, []);
}
