using System.CommandLine;
using Capstan.ApiServer.Security;

namespace Capstan.Commands;

/// <summary>
/// `capstan certificate rotate`: reissues the server's leaf certificates in the data dir now (k3s's `certificate rotate`).
/// Unlike k3s it needs no stop: the files are replaced atomically and a running server adopts them at its next check
/// (within a minute) without a restart; a stopped server uses them at its next start. The CA and tokens stay.
/// </summary>
public static class CertificateCommand
{
    public static Command Create()
    {
        var command = new Command("certificate", "Manage the server's certificates.");
        command.Subcommands.Add(Rotate());
        return command;
    }

    private static Command Rotate()
    {
        var dataDir = HelperCommands.DataDirOption();
        var validity = new Option<string>("--certificate-validity") { Description = "Validity of the new certificates", DefaultValueFactory = _ => "8760h" };
        var command = new Command(
            "rotate",
            "Reissue the serving certificate (same SANs), the admin client certificate with kubeconfig.yaml, and the API server's " +
            "client certificate for agents, signed by the existing CA. The server may keep running: it serves the new certificate " +
            "within a minute, without a restart.")
        {
            dataDir, validity,
        };
        command.SetAction(parse =>
        {
            if (Durations.Parse(parse.GetValue(validity)!) is not { } lifetime || lifetime < TimeSpan.FromSeconds(3))
            {
                Console.Error.WriteLine($"capstan: --certificate-validity {parse.GetValue(validity)} is not a duration of at least 3s such as 8760h");
                return 2;
            }

            var dir = DataDirectory.Resolve(parse.GetValue(dataDir));
            try
            {
                foreach (var file in ClusterPki.RotateInDataDirectory(dir, lifetime))
                {
                    Console.WriteLine($"rotated {Path.Combine(dir, file)}");
                }

                return 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"capstan: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
