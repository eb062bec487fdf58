using System.CommandLine;
using Capstan.Commands;

var root = new RootCommand("Capstan: a Kubernetes-compatible container orchestrator in one binary.");
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(AgentCommand.Create());
root.Subcommands.Add(KillAllCommand.Create());
root.Subcommands.Add(ImagesCommand.Create());
root.Subcommands.Add(HelperCommands.Kubeconfig());
root.Subcommands.Add(HelperCommands.Token());
root.Subcommands.Add(SecretsEncryptCommand.Create());
root.Subcommands.Add(CertificateCommand.Create());
root.Subcommands.Add(CanaryCommand.Create());
root.Subcommands.Add(HelperCommands.Version());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
