using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Capstan.Agent;
using k8s;
using Microsoft.Extensions.Logging;

namespace Capstan.Commands;

/// <summary>`capstan agent`: a node agent that joins an existing server with its join token.</summary>
public static class AgentCommand
{
    public static Command Create()
    {
        var dataDir = HelperCommands.DataDirOption();
        var server = new Option<string>("--server", "-s") { Description = "URL of the server to join, e.g. https://10.0.0.1:6443", Required = true };
        var token = new Option<string?>("--token", "-t") { Description = "The server's join token (`capstan token` on the server)" };
        var tokenFile = new Option<string?>("--token-file") { Description = "A file holding the join token" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error", DefaultValueFactory = _ => LogLevel.Information };
        var flags = new AgentFlags();
        var fakeNodeFlags = new FakeNodeFlags();
        var command = new Command("agent", "Run a node agent that joins a server and runs the pods scheduled to this node.") { dataDir, server, token, tokenFile, logLevel };
        foreach (var option in flags.All.Concat(fakeNodeFlags.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var serverUri) || serverUri.Scheme != "https")
            {
                Console.Error.WriteLine($"capstan: --server {parse.GetValue(server)} is not an https:// URL");
                return 2;
            }

            var joinToken = parse.GetValue(token) ?? (parse.GetValue(tokenFile) is { } file && File.Exists(file) ? File.ReadAllText(file).Trim() : null);
            if (string.IsNullOrEmpty(joinToken))
            {
                Console.Error.WriteLine("capstan: give the server's join token with --token or --token-file");
                return 2;
            }

            var config = flags.Parse(parse, DataDirectory.Resolve(parse.GetValue(dataDir)));
            if (config is null)
            {
                return 2;
            }

            var fakeNodes = fakeNodeFlags.Parse(parse, out var fakeNodeError);
            if (fakeNodeError is not null)
            {
                Console.Error.WriteLine("capstan: " + fakeNodeError);
                return 2;
            }

            return await RunAsync(serverUri, joinToken, config, fakeNodes, parse.GetValue(logLevel), ct).ConfigureAwait(false);
        });
        return command;
    }

    // With --fake-nodes the agent runs only the simulated nodes, under the simulated-nodes identity named after --node-name.
    private static async Task<int> RunAsync(Uri server, string token, AgentConfig config, Capstan.Agent.FakeNodes.FakeNodeOptions? fakeNodes, LogLevel logLevel, CancellationToken ct)
    {
        using var signal = new ShutdownSignal(ct);

        var agentDir = Path.Combine(config.DataDir, "agent");
        Directory.CreateDirectory(agentDir);
        using var loggerFactory = LoggerFactory.Create(b => b
            .SetMinimumLevel(logLevel)
            .AddFilter("Microsoft.AspNetCore", logLevel > LogLevel.Warning ? logLevel : LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
        var logger = loggerFactory.CreateLogger("capstan.agent");
        string kubeconfig;
        IAsyncDisposable host;
        X509Certificate2? ca = null;
        Kubernetes? client = null;
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            // A refused token or a CA that does not match is final; a server that does not answer yet is waited for.
            try
            {
                kubeconfig = await AgentJoin.EnsureKubeconfigAsync(server, token, config.NodeName, agentDir, fakeNodes is not null, signal.Token).ConfigureAwait(false);
                client ??= new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                ca ??= X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(agentDir, "ca.crt")));
                host = fakeNodes is not null
                    ? await Capstan.Agent.FakeNodes.FakeNodePool.StartAsync(client, fakeNodes, loggerFactory, signal.Token).ConfigureAwait(false)
                    : await AgentHost.StartAsync(client, config, ca, null, loggerFactory, signal.Token).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (signal.Token.IsCancellationRequested)
            {
                return 0;
            }
            catch (AgentJoinException ex)
            {
                Console.Error.WriteLine($"capstan: cannot join {server}: {ex.Message}");
                return 1;
            }
            catch (AgentDataDirInUseException ex)
            {
                Console.Error.WriteLine($"capstan: {ex.Message}");
                return 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException or IOException or TaskCanceledException)
            {
                logger.LogWarning("cannot reach {Server} yet ({Error}); retrying in {Delay} s", server, ex.Message, delay.TotalSeconds);
            }

            try
            {
                await Task.Delay(delay, signal.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 15));
        }

        using var caHandle = ca;
        if (host is AgentHost agentHost)
        {
            logger.LogInformation("capstan agent {Node} joined {Server}; streaming port {Port}", config.NodeName, server, agentHost.StreamingPort);
        }
        else
        {
            logger.LogInformation("capstan agent {Node} joined {Server} with {Count} simulated nodes", config.NodeName, server, fakeNodes!.Count);

            // The server's grace period is not known here; below this one every node flaps. The default suffices up to 533
            // nodes, so only past that is it a warning.
            logger.Log(
                fakeNodes.MinimumNodeMonitorGracePeriod > Capstan.Server.ServerConfig.DefaultNodeMonitorGracePeriod ? LogLevel.Warning : LogLevel.Information,
                "the simulated nodes renew their leases every {Interval:0.#} s: the server needs --node-monitor-grace-period {Grace:0}s or more, or it marks them unreachable between renewals",
                fakeNodes.EffectiveLeaseRenewInterval.TotalSeconds, Math.Ceiling(fakeNodes.MinimumNodeMonitorGracePeriod.TotalSeconds));
        }

        try
        {
            while (await WaitForRenewalAsync(agentDir, signal.Token).ConfigureAwait(false))
            {
                // The node's certificate is a third from expiry: join again with the token, then restart the agent on the
                // new identity. Pods keep running across the restart (the agent re-adopts them), as across any agent restart.
                try
                {
                    kubeconfig = await AgentJoin.RenewAsync(server, token, config.NodeName, agentDir, fakeNodes is not null, signal.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is AgentJoinException or HttpRequestException or IOException or TaskCanceledException && !signal.Token.IsCancellationRequested)
                {
                    logger.LogWarning("renewing the node certificate failed ({Error}); retrying in a minute", ex.Message);
                    await Task.Delay(TimeSpan.FromMinutes(1), signal.Token).ConfigureAwait(false);
                    continue;
                }

                await host.DisposeAsync().ConfigureAwait(false);
                client.Dispose();
                client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                host = fakeNodes is not null
                    ? await Capstan.Agent.FakeNodes.FakeNodePool.StartAsync(client, fakeNodes, loggerFactory, signal.Token).ConfigureAwait(false)
                    : await AgentHost.StartAsync(client, config, ca, null, loggerFactory, signal.Token).ConfigureAwait(false);
                logger.LogInformation("capstan agent {Node} renewed its certificate; next renewal at {Due:u}", config.NodeName, AgentJoin.RenewalDue(agentDir));
            }
        }
        catch (OperationCanceledException) when (signal.Token.IsCancellationRequested)
        {
        }
        finally
        {
            Console.Error.WriteLine("capstan: agent shutting down (its pods keep running)");
            await host.DisposeAsync().ConfigureAwait(false);
            client.Dispose();
        }

        return 0;
    }

    /// <summary>True when the certificate is due for renewal; false when the agent is asked to stop first.</summary>
    private static async Task<bool> WaitForRenewalAsync(string agentDir, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var left = AgentJoin.RenewalDue(agentDir) - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return true;
            }

            // Checked again at least hourly: the clock may jump, and Task.Delay takes at most ~24 days.
            await Task.Delay(left < TimeSpan.FromHours(1) ? left : TimeSpan.FromHours(1), ct).ConfigureAwait(false);
        }

        return false;
    }
}
