namespace Capstan.Scheduler.Framework;

/// <summary>A host port a container claims: an IP ("0.0.0.0" for all), a protocol and a port.</summary>
public sealed record HostPort(string Ip, string Protocol, int Port)
{
    public const string AnyIp = "0.0.0.0";

    /// <summary>Two claims collide on the same protocol and port when either takes every address or both name the same one.</summary>
    public bool ConflictsWith(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol && (Ip == AnyIp || other.Ip == AnyIp || Ip == other.Ip);
}
