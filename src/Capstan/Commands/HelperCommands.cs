using System.CommandLine;
using Capstan.ApiServer.Hosting;
using Capstan.ApiServer.Security;

namespace Capstan.Commands;

/// <summary>Small admin commands: kubeconfig, token, version.</summary>
public static class HelperCommands
{
    public static Command Kubeconfig()
    {
        var dataDir = DataDirOption();
        var command = new Command("kubeconfig", "Print the admin kubeconfig of the server that uses the data dir.") { dataDir };
        command.SetAction(parse => PrintFile(DataDirectory.Resolve(parse.GetValue(dataDir)), ClusterPki.KubeconfigFile));
        return command;
    }

    public static Command Token()
    {
        var dataDir = DataDirOption();
        var command = new Command("token", "Print the node-join token agents use to join this server.") { dataDir };
        command.SetAction(parse => PrintFile(DataDirectory.Resolve(parse.GetValue(dataDir)), ClusterPki.TokenFile));
        return command;
    }

    public static Command Version()
    {
        var command = new Command("version", "Print Capstan's version and the Kubernetes API version it serves.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"capstan version {VersionInfo.GitVersion} (Kubernetes API {VersionInfo.Major}.{VersionInfo.Minor}, .NET {Environment.Version})");
            return 0;
        });
        return command;
    }

    public static Option<string?> DataDirOption() => new("--data-dir", "-d")
    {
        Description = "Folder for Capstan's state (default /var/lib/capstan as root, else ~/.local/share/capstan)",
    };

    private static int PrintFile(string dir, string file)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"capstan: {path} does not exist; start `capstan server` with this data dir first");
            return 1;
        }

        Console.Write(File.ReadAllText(path).TrimEnd() + Environment.NewLine);
        return 0;
    }
}
