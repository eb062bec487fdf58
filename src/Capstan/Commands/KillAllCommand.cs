using System.CommandLine;
using Capstan.Agent;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Commands;

/// <summary>
/// `capstan killall`: stops every pod process the agent of a data dir started. Pods outlive their agent on purpose (a
/// restarted agent adopts them), so this is how an admin (or a test) really stops everything, like k3s-killall.sh.
/// </summary>
public static class KillAllCommand
{
    public static Command Create()
    {
        var dataDir = HelperCommands.DataDirOption();
        var command = new Command("killall", "Stop every pod process started by the agent of a data dir (stop the server or agent first).") { dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var stateDir = AgentHost.RuntimeStateDirectory(DataDirectory.Resolve(parse.GetValue(dataDir)));
            if (!Directory.Exists(stateDir))
            {
                Console.WriteLine("no pods: " + stateDir + " does not exist");
                return 0;
            }

            using var runtime = new ProcessRuntime(new ProcessRuntimeOptions(stateDir));
            var sandboxes = await runtime.ListPodSandboxesAsync(ct).ConfigureAwait(false);
            foreach (var sandbox in sandboxes)
            {
                await runtime.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                await runtime.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
                Console.WriteLine($"stopped pod {sandbox.Namespace}/{sandbox.Name} ({sandbox.Ip})");
            }

            return 0;
        });
        return command;
    }
}
