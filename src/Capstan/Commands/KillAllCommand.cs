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
            var stateDir = AgentHost.RuntimeStateDirectory(DataDirectory.Resolve(parse.GetValue(dataDir)));
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
}
