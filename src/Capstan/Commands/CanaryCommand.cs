using System.CommandLine;
using Capstan.ApiServer.Security;
using k8s;

namespace Capstan.Commands;

/// <summary>
/// `capstan canary promote|abort NAME [-n NAMESPACE]`: sets the Canary's capstan.io/canary-promote or capstan.io/canary-abort
/// annotation (what `kubectl annotate` would), which the canary controller acts on and then removes.
/// </summary>
public static class CanaryCommand
{
    public static Command Create()
    {
        var command = new Command("canary", "Promote or abort a progressive canary release (rollouts.capstan.io Canary).");
        command.Subcommands.Add(Action("promote", "Skip the remaining steps and roll the new version out now.", "capstan.io/canary-promote"));
        command.Subcommands.Add(Action("abort", "Stop the release: all traffic back to the stable version, Deployment rolled back.", "capstan.io/canary-abort"));
        return command;
    }

    private static Command Action(string name, string description, string annotation)
    {
        var canary = new Argument<string>("name") { Description = "The Canary's name" };
        var ns = new Option<string>("--namespace", "-n") { Description = "The Canary's namespace", DefaultValueFactory = _ => "default" };
        var dataDir = HelperCommands.DataDirOption();
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig (default: the data dir's kubeconfig.yaml)" };
        var command = new Command(name, description) { canary, ns, dataDir, kubeconfig };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(kubeconfig) ?? Path.Combine(DataDirectory.Resolve(parse.GetValue(dataDir)), ClusterPki.KubeconfigFile);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"capstan: {path} does not exist; start `capstan server` first or pass --kubeconfig");
                return 1;
            }

            using var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            var patch = new System.Text.Json.Nodes.JsonObject
            {
                ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { [annotation] = "true" } },
            }.ToJsonString();
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new k8s.Models.V1Patch(patch, k8s.Models.V1Patch.PatchType.MergePatch), "rollouts.capstan.io", "v1alpha1", parse.GetValue(ns)!, "canaries", parse.GetValue(canary)!, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (k8s.Autorest.HttpOperationException ex)
            {
                Console.Error.WriteLine($"capstan: {ex.Response.Content}");
                return 1;
            }
            catch (HttpRequestException ex)
            {
                Console.Error.WriteLine($"capstan: cannot reach the server: {ex.Message}");
                return 1;
            }

            Console.WriteLine($"canary.rollouts.capstan.io/{parse.GetValue(canary)} {(name == "promote" ? "promotion" : "abort")} requested");
            return 0;
        });
        return command;
    }
}
