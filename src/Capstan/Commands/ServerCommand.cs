using System.CommandLine;
using System.Net;
using Capstan.Server;
using Microsoft.Extensions.Logging;

namespace Capstan.Commands;

/// <summary>`capstan server`: the API server, datastore and controllers in one process.</summary>
public static class ServerCommand
{
    /// <summary>The service CIDR with --runtime cri when --service-cidr is not given.</summary>
    public const string CriServiceCidr = "10.43.0.0/16";

    public static Command Create()
    {
        var dataDir = HelperCommands.DataDirOption();
        var bind = new Option<string>("--bind-address") { Description = "Address the API server listens on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--https-listen-port") { Description = "HTTPS port of the API server", DefaultValueFactory = _ => 6443 };
        var sans = new Option<string[]>("--tls-san") { Description = "Extra subject alternative name (IP or DNS) for the serving certificate; repeatable", AllowMultipleArgumentsPerToken = false };
        var serviceCidr = new Option<string>("--service-cidr") { Description = "CIDR Services get their ClusterIPs from (inside 127.0.0.0/8 by default, so the service proxy needs no routes or root; 10.43.0.0/16 by default with --runtime cri)", DefaultValueFactory = _ => ServerConfig.DefaultServiceCidr };
        var disableControllers = new Option<bool>("--disable-controller-manager") { Description = "Do not run the controllers (namespace deletion, garbage collection) in this server" };
        var notReady = new Option<long>("--default-not-ready-toleration-seconds") { Description = "Seconds new pods tolerate a NotReady node before eviction", DefaultValueFactory = _ => 3 };
        var unreachable = new Option<long>("--default-unreachable-toleration-seconds") { Description = "Seconds new pods tolerate an unreachable node before eviction", DefaultValueFactory = _ => 3 };
        var disableAgent = new Option<bool>("--disable-agent") { Description = "Do not run a node agent in this server (pods run only on joined agents)" };
        var disableScheduler = new Option<bool>("--disable-scheduler") { Description = "Do not run the scheduler in this server" };
        var graceFlag = new Option<string>("--node-monitor-grace-period") { Description = "A node whose lease is this old is unreachable and its pods are evicted", DefaultValueFactory = _ => $"{ServerConfig.DefaultNodeMonitorGracePeriod.TotalSeconds:0}s" };
        var autoRollback = new Option<bool>("--rollback-on-failure") { Description = "Roll every Deployment back by itself when a rollout fails (opt out per Deployment with the annotation capstan.io/rollback-on-failure: \"false\")" };
        var encryptResources = new Option<string>("--encrypt-resources") { Description = "Resources encrypted at rest with AES-GCM, comma-separated <plural>[.<group>] (\"\" for none)", DefaultValueFactory = _ => Capstan.ApiServer.Encryption.EncryptedResources.Default };
        var disableDns = new Option<bool>("--disable-dns") { Description = "Do not run the cluster DNS (nor publish the kube-dns Service)" };
        var dnsPort = new Option<int>("--cluster-dns-port") { Description = "UDP/TCP port of the cluster DNS on the bind address; the kube-dns Service carries port 53 there", DefaultValueFactory = _ => 10053 };
        var auditPath = new Option<string?>("--audit-log-path") { Description = "Write one JSON line (audit.k8s.io/v1 Event, level Metadata) per API request to this file" };
        var auditMaxSize = new Option<int>("--audit-log-maxsize") { Description = "Rotate the audit log when it reaches this many megabytes (0: never)", DefaultValueFactory = _ => 0 };
        var auditPolicy = new Option<string?>("--audit-policy-file") { Description = "An audit.k8s.io/v1 Policy: which requests the audit log records, at which level (first matching rule; none matching: not logged)" };
        var certificateValidity = new Option<string>("--certificate-validity") { Description = "Validity of the serving and client certificates the server issues; renewed while running once a third is left", DefaultValueFactory = _ => "8760h" };
        var eventTtl = new Option<string>("--event-ttl") { Description = "How long Events are kept after their last write", DefaultValueFactory = _ => "1h" };
        var agentFlags = new AgentFlags();
        var ingressFlags = new IngressFlags();
        var fakeNodeFlags = new FakeNodeFlags();
        var schedulerConfig = new Option<string?>("--scheduler-config") { Description = "A KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): profiles, scoring strategy, percentageOfNodesToScore" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Trace, Debug, Information, Warning, Error", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("server", "Run the API server, datastore and controllers.") { dataDir, bind, port, sans, serviceCidr, disableControllers, disableScheduler, disableAgent, graceFlag, autoRollback, notReady, unreachable, encryptResources, logLevel, disableDns, dnsPort, auditPath, auditMaxSize };
        command.Options.Add(schedulerConfig);
        command.Options.Add(certificateValidity);
        command.Options.Add(auditPolicy);
        command.Options.Add(eventTtl);
        foreach (var option in agentFlags.All.Concat(ingressFlags.All).Concat(fakeNodeFlags.All))
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
            {
                Console.Error.WriteLine($"capstan: --bind-address {parse.GetValue(bind)} is not an IP address");
                return 2;
            }

            var cidr = parse.GetValue(serviceCidr)!;
            if (!System.Net.IPNetwork.TryParse(cidr, out _))
            {
                Console.Error.WriteLine($"capstan: --service-cidr {cidr} is not a CIDR such as 10.43.0.0/16");
                return 2;
            }

            if (Durations.Parse(parse.GetValue(graceFlag)!) is not { } grace || grace <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"capstan: --node-monitor-grace-period {parse.GetValue(graceFlag)} is not a positive duration such as 8s");
                return 2;
            }

            if (Durations.Parse(parse.GetValue(certificateValidity)!) is not { } validity || validity < TimeSpan.FromSeconds(3))
            {
                Console.Error.WriteLine($"capstan: --certificate-validity {parse.GetValue(certificateValidity)} is not a duration of at least 3s such as 8760h");
                return 2;
            }

            if (Durations.Parse(parse.GetValue(eventTtl)!) is not { } ttl || ttl <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"capstan: --event-ttl {parse.GetValue(eventTtl)} is not a positive duration such as 1h");
                return 2;
            }

            Capstan.ApiServer.Audit.AuditPolicy? policy = null;
            if (parse.GetValue(auditPolicy) is { Length: > 0 } policyPath)
            {
                try
                {
                    policy = Capstan.ApiServer.Audit.AuditPolicy.Load(policyPath);
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"capstan: --audit-policy-file {policyPath}: {ex.Message}");
                    return 2;
                }
            }

            try
            {
                Capstan.ApiServer.Encryption.EncryptedResources.Resolve(Capstan.Api.Registry.ResourceRegistry.BuiltIn, parse.GetValue(encryptResources) ?? "");
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine($"capstan: {ex.Message}");
                return 2;
            }

            var resolvedDataDir = DataDirectory.Resolve(parse.GetValue(dataDir));
            Capstan.Agent.AgentConfig? agent = null;
            if (!parse.GetValue(disableAgent))
            {
                agent = agentFlags.Parse(parse, resolvedDataDir);
                if (agent is null)
                {
                    return 2;
                }
            }

            var fakeNodes = fakeNodeFlags.Parse(parse, out var fakeNodeError);
            if (fakeNodeError is not null)
            {
                Console.Error.WriteLine("capstan: " + fakeNodeError);
                return 2;
            }

            // Simulated nodes renew their leases slowly when there are many; the grace period must outlast a few renewals.
            if (fakeNodes is not null && fakeNodes.MinimumNodeMonitorGracePeriod > grace)
            {
                grace = fakeNodes.MinimumNodeMonitorGracePeriod;
            }

            IReadOnlyList<Capstan.Scheduler.Configuration.SchedulerProfile> profiles = [];
            if (parse.GetValue(schedulerConfig) is { Length: > 0 } schedulerConfigPath)
            {
                try
                {
                    profiles = Capstan.Scheduler.Configuration.SchedulerConfiguration.Load(schedulerConfigPath);
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"capstan: --scheduler-config {schedulerConfigPath}: {ex.Message}");
                    return 2;
                }
            }

            var config = new ServerConfig
            {
                SchedulerProfiles = profiles,
                FakeNodes = fakeNodes,
                DataDir = resolvedDataDir,
                Agent = agent,
                Ingress = ingressFlags.Parse(parse),
                DisableScheduler = parse.GetValue(disableScheduler),
                AutoRollbackByDefault = parse.GetValue(autoRollback),
                NodeMonitorGracePeriod = grace,
                BindAddress = address,
                HttpsPort = parse.GetValue(port),
                TlsSans = parse.GetValue(sans) ?? [],
                // Pods of the cri runtime have their own loopback: ClusterIPs there must be routable addresses (k3s' default).
                ServiceCidr = agent?.Runtime == "cri" && parse.GetResult(serviceCidr) is null or { Implicit: true } ? CriServiceCidr : parse.GetValue(serviceCidr)!,
                AuditLogPath = parse.GetValue(auditPath),
                AuditLogMaxSizeMegabytes = parse.GetValue(auditMaxSize),
                CertificateValidity = validity,
                EventTtl = ttl,
                AuditPolicy = policy,
                LogLevel = parse.GetValue(logLevel),
                EncryptResources = parse.GetValue(encryptResources) ?? "",
                DisableControllerManager = parse.GetValue(disableControllers),
                DefaultNotReadyTolerationSeconds = parse.GetValue(notReady),
                DefaultUnreachableTolerationSeconds = parse.GetValue(unreachable),
                DisableDns = parse.GetValue(disableDns),
                ClusterDnsPort = parse.GetValue(dnsPort),
                ClusterDomain = parse.GetValue(agentFlags.ClusterDomain)!,
            };
            return await RunAsync(config, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ServerConfig config, CancellationToken ct)
    {
        using var signal = new ShutdownSignal(ct);

        CapstanServer server;
        try
        {
            server = await CapstanServer.StartAsync(config, signal.Token).ConfigureAwait(false);
        }
        catch (DataDirInUseException ex)
        {
            Console.Error.WriteLine($"capstan: {ex.Message}");
            return 1;
        }

        await using (server.ConfigureAwait(false))
        {
            await signal.WaitAsync().ConfigureAwait(false);

            Console.Error.WriteLine("capstan: shutting down");
        }

        return 0;
    }
}
