namespace Capstan.TestServer.Cli;

internal static class Usage
{
    public const string Text = """
        usage:
          capstan-testserver serve [--port 8080] [--address IP] [--udp-port N] [--grpc-port N]
                                   [--ready-after S] [--fail-health-after S]
                                   [--exit-after S [--exit-code N]]
                                   [--term-delay S] [--ignore-term]
          capstan-testserver pause
          capstan-testserver exit CODE [--after S]

        serve: HTTP/1.1 on ADDRESS:PORT (ADDRESS defaults to $POD_IP, else 0.0.0.0; port 0 picks a free one);
          prints "listening on IP:PORT" once bound, then one line per request.
          GET  /, /hostname        the hostname ($HOSTNAME, else the machine name)
          GET  /ip                 the IP this server answers on
          GET  /echo?msg=X         X (POST /echo without msg: the body)
          GET  /env?name=X         the value of variable X (404 if unset)
          GET  /headers            the request headers, one per line
          GET  /healthz            200 ok | 500 unhealthy   (POST /healthz/fail, /healthz/ok flip it)
          GET  /readyz             200 ok | 503 not ready   (POST /readyz/fail, /readyz/ok flip it)
          POST /exit?code=N        answers, then exits with N (default 0)
          POST /cpu?millis=N&duration=S   burns N millicores for S seconds (default 1000, 30)
          POST /memory?mb=N        allocates, touches and keeps N MiB
          GET  /stats              {"pid":..,"rssBytes":..,"cpuSeconds":..,"heldMiB":..}
          UDP (--udp-port): "hostname", "echo MSG", "clientip" each answered with one datagram.
          gRPC (--grpc-port, cleartext HTTP/2): grpc.health.v1.Health/Check; service "" or "liveness" follows
            /healthz, "readiness" follows /readyz, others NOT_FOUND. Prints "grpc listening on IP:PORT".
          SIGTERM/SIGINT: exit 0 (after --term-delay S), or ignored with --ignore-term.
        pause: sleeps until SIGTERM or SIGINT, then exits 0.
        exit: exits with CODE, after S seconds if given.

        """;
}
