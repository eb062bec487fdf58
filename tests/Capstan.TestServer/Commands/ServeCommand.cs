using System.Net;
using System.Net.Sockets;
using Capstan.TestServer.Cli;
using Capstan.TestServer.Endpoints;
using Capstan.TestServer.Grpc;
using Capstan.TestServer.Http;
using Capstan.TestServer.Lifecycle;
using Capstan.TestServer.Load;
using Capstan.TestServer.Udp;

namespace Capstan.TestServer.Commands;

/// <summary><c>serve</c>: the HTTP server (and optional UDP and gRPC health ones), until a signal, a request or a timer ends the process.</summary>
internal static class ServeCommand
{
    public static int Run(ServeOptions options)
    {
        using var termination = TerminationHandler.Install(options.TermDelay, options.IgnoreTerm);
        var probes = new ProbeState(healthy: true, ready: options.ReadyAfter is null);
        var identity = new ServerIdentity(ServerIdentity.CurrentHostname(), options.Address);
        var router = new Router(identity, probes, new CpuBurner(), new MemoryHog(), Environment.Exit);
        using var timers = new TimerSet();
        if (options.ReadyAfter is { } readyAfter)
        {
            timers.After(readyAfter, () =>
            {
                probes.Ready = true;
                ServerLog.Line("ready by --ready-after");
            });
        }

        if (options.FailHealthAfter is { } failAfter)
        {
            timers.After(failAfter, () =>
            {
                probes.Healthy = false;
                ServerLog.Line("health set to unhealthy by --fail-health-after");
            });
        }

        if (options.ExitAfter is { } exitAfter)
        {
            timers.After(exitAfter, () =>
            {
                ServerLog.Line($"exiting with {options.ExitCode} by --exit-after");
                Environment.Exit(options.ExitCode);
            });
        }

        UdpResponder? udp = null;
        GrpcHealthServer? grpc = null;
        HttpServer server;
        try
        {
            if (options.UdpPort is { } udpPort)
            {
                udp = UdpResponder.Bind(new IPEndPoint(options.Address, udpPort), identity);
                ServerLog.Raw($"udp listening on {udp.LocalEndPoint}");
            }

            if (options.GrpcPort is { } grpcPort)
            {
                grpc = GrpcHealthServer.Listen(new IPEndPoint(options.Address, grpcPort), probes);
                ServerLog.Raw($"grpc listening on {grpc.LocalEndPoint}");
            }

            server = HttpServer.Listen(new IPEndPoint(options.Address, options.Port), router);
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"capstan-testserver: cannot listen on {options.Address}: {e.Message}");
            udp?.Dispose();
            grpc?.Dispose();
            return 1;
        }

        using (server)
        using (udp)
        using (grpc)
        {
            ServerLog.Raw($"listening on {server.LocalEndPoint}");
            var udpTask = udp?.RunAsync(CancellationToken.None) ?? Task.CompletedTask;
            var grpcTask = grpc?.RunAsync(CancellationToken.None) ?? Task.CompletedTask;
            server.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
            Task.WaitAll(udpTask, grpcTask);
        }

        return 0;
    }
}
