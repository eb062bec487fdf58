using System.CommandLine;
using Capstan.Agent;
using Capstan.Agent.Pods;
using Capstan.Agent.Runtime.Cri;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Commands;

/// <summary>
/// `capstan killall`: stops every pod process the agent of a data dir started, and every containerd pod sandbox labelled
/// as Capstan's on the CRI endpoint (when its socket exists). Pods outlive their agent on purpose (a restarted agent
/// adopts them), so this is how an admin (or a test) really stops everything, like k3s-killall.sh.
/// </summary>
public static class KillAllCommand
{
    public static Command Create()
    {
        var dataDir = HelperCommands.DataDirOption();
        var endpoint = new Option<string>("--container-runtime-endpoint")
        {
            Description = "CRI socket whose Capstan pods (sandboxes labelled capstan.io/node) are stopped and removed too, when it exists",
            DefaultValueFactory = _ => AgentConfig.DefaultContainerRuntimeEndpoint,
        };
        var command = new Command("killall", "Stop every pod process started by the agent of a data dir, and Capstan's pods on containerd (stop the server or agent first).") { dataDir, endpoint };
        command.SetAction(async (parse, ct) =>
        {
            var dir = DataDirectory.Resolve(parse.GetValue(dataDir));
            var stateDir = AgentHost.RuntimeStateDirectory(dir);
            if (!Directory.Exists(stateDir))
            {
                Console.WriteLine("no process pods: " + stateDir + " does not exist");
            }
            else
            {
                using var runtime = new ProcessRuntime(new ProcessRuntimeOptions(stateDir));
                var sandboxes = await runtime.ListPodSandboxesAsync(ct).ConfigureAwait(false);
                foreach (var sandbox in sandboxes)
                {
                    await runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                    await runtime.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                    Console.WriteLine($"stopped pod {sandbox.Namespace}/{sandbox.Name} ({sandbox.Ip})");
                }
            }

            // What the agent would have unmounted as it removed each pod (memory emptyDirs, propagation staging): with the
            // agent gone, the mounts would outlive their pods and keep the data dir from being deleted.
            await UnmountBelowAsync([Path.Combine(dir, "pods"), Path.Combine(stateDir, "propagation")], ct).ConfigureAwait(false);

            var socket = parse.GetValue(endpoint)!;
            if (File.Exists(AgentConfig.SocketPath(socket)))
            {
                using var cri = new CriRuntime(new CriRuntimeOptions(socket));
                foreach (var sandbox in await cri.ListPodSandboxesAsync(ct).ConfigureAwait(false))
                {
                    if (!sandbox.Labels.ContainsKey(ContainerLabels.Node))
                    {
                        continue;
                    }

                    await cri.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                    await cri.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                    Console.WriteLine($"stopped containerd pod {sandbox.Namespace}/{sandbox.Name} ({sandbox.Ip})");
                }
            }

            return 0;
        });
        return command;
    }

    private static async Task UnmountBelowAsync(IReadOnlyList<string> roots, CancellationToken ct)
    {
        var points = MountTable.MountPoints()
            .Where(point => roots.Any(root => point == root || point.StartsWith(root + "/", StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(point => point.Length)
            .ToList();
        foreach (var point in points)
        {
            using var umount = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("umount", ["-l", point]) { RedirectStandardError = true });
            if (umount is not null)
            {
                await umount.WaitForExitAsync(ct).ConfigureAwait(false);
            }
        }

        if (points.Count > 0)
        {
            Console.WriteLine($"unmounted {points.Count} pod volume mount(s)");
        }
    }
}
