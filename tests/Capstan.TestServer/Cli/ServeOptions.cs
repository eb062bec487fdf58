using System.Net;

namespace Capstan.TestServer.Cli;

/// <summary>The flags of <c>serve</c>.</summary>
internal sealed record ServeOptions
{
    public const int DefaultPort = 8080;

    public IPAddress Address { get; init; } = IPAddress.Any;

    public int Port { get; init; } = DefaultPort;

    public int? UdpPort { get; init; }

    /// <summary>Port of the gRPC health service (cleartext HTTP/2), for grpc probes; null: none.</summary>
    public int? GrpcPort { get; init; }

    /// <summary>Readiness starts false and turns true after this long; null: ready at once.</summary>
    public TimeSpan? ReadyAfter { get; init; }

    /// <summary>Liveness turns false after this long; null: never by itself.</summary>
    public TimeSpan? FailHealthAfter { get; init; }

    /// <summary>The process exits with <see cref="ExitCode"/> after this long (crash loops); null: never by itself.</summary>
    public TimeSpan? ExitAfter { get; init; }

    public int ExitCode { get; init; }

    /// <summary>How long to keep serving after SIGTERM before exiting 0.</summary>
    public TimeSpan TermDelay { get; init; }

    /// <summary>Ignore SIGTERM and SIGINT altogether, so that only SIGKILL ends the process.</summary>
    public bool IgnoreTerm { get; init; }

    /// <param name="args">The arguments after "serve".</param>
    /// <param name="podIp">$POD_IP, the default address when set.</param>
    public static ServeOptions Parse(ReadOnlySpan<string> args, string? podIp)
    {
        var options = new ServeOptions();
        if (!string.IsNullOrEmpty(podIp))
        {
            options = options with { Address = ParseAddress("$POD_IP", podIp) };
        }

        var reader = new ArgumentReader(args);
        while (reader.TryNext(out var flag))
        {
            options = flag switch
            {
                "--port" => options with { Port = reader.IntValue(flag, 0, 65535) },
                "--address" => options with { Address = ParseAddress(flag, reader.Value(flag)) },
                "--udp-port" => options with { UdpPort = reader.IntValue(flag, 0, 65535) },
                "--grpc-port" => options with { GrpcPort = reader.IntValue(flag, 0, 65535) },
                "--ready-after" => options with { ReadyAfter = reader.SecondsValue(flag) },
                "--fail-health-after" => options with { FailHealthAfter = reader.SecondsValue(flag) },
                "--exit-after" => options with { ExitAfter = reader.SecondsValue(flag) },
                "--exit-code" => options with { ExitCode = reader.IntValue(flag, 0, 255) },
                "--term-delay" => options with { TermDelay = reader.SecondsValue(flag) },
                "--ignore-term" => options with { IgnoreTerm = true },
                _ => throw new UsageException($"unknown flag '{flag}' for serve"),
            };
        }

        return options;
    }

    public static ServeOptions Parse(ReadOnlySpan<string> args) =>
        Parse(args, Environment.GetEnvironmentVariable("POD_IP"));

    private static IPAddress ParseAddress(string name, string text) =>
        IPAddress.TryParse(text, out var address) ? address : throw new UsageException($"'{name}' is not an IP address: '{text}'");
}
