using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Capstan.Agent;
using Capstan.Agent.Images;
using Capstan.Agent.Runtime.Cri;

namespace Capstan.Commands;

/// <summary>
/// `capstan images import FILE...` loads image tarballs (OCI layout or docker save) into containerd's k8s.io namespace,
/// where the CRI looks for them, by running containerd's own `ctr` (CRI v1 has no import call); `capstan images ls`
/// lists the images through the CRI's ListImages.
/// </summary>
public static class ImagesCommand
{
    public static Command Create()
    {
        var images = new Command("images", "Import and list the images of the cri runtime (containerd).");
        images.Subcommands.Add(Import());
        images.Subcommands.Add(List());
        return images;
    }

    private static Option<string> Endpoint() => new("--container-runtime-endpoint", "--endpoint")
    {
        Description = "containerd's socket",
        DefaultValueFactory = _ => AgentConfig.DefaultContainerRuntimeEndpoint,
    };

    private static Command Import()
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Image tarballs (OCI image layout or docker save format)" };
        var endpoint = Endpoint();
        var command = new Command("import", "Import image tarballs into containerd's k8s.io namespace (runs `ctr -a SOCKET -n k8s.io images import FILE`; needs containerd's ctr on PATH).") { files, endpoint };
        command.SetAction(async (parse, ct) =>
        {
            var socket = AgentConfig.SocketPath(parse.GetValue(endpoint)!);
            foreach (var file in parse.GetValue(files) ?? [])
            {
                if (!File.Exists(file))
                {
                    Console.Error.WriteLine($"capstan: {file} does not exist");
                    return 1;
                }

                var info = new ProcessStartInfo("ctr") { UseShellExecute = false };
                foreach (var arg in new[] { "-a", socket, "-n", "k8s.io", "images", "import", file })
                {
                    info.ArgumentList.Add(arg);
                }

                try
                {
                    using var process = Process.Start(info)!;
                    await process.WaitForExitAsync(ct).ConfigureAwait(false);
                    if (process.ExitCode != 0)
                    {
                        Console.Error.WriteLine($"capstan: importing {file} failed (ctr exited {process.ExitCode})");
                        return 1;
                    }
                }
                catch (System.ComponentModel.Win32Exception ex)
                {
                    Console.Error.WriteLine($"capstan: cannot run ctr (install containerd): {ex.Message}");
                    return 1;
                }
            }

            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var endpoint = Endpoint();
        var command = new Command("ls", "List containerd's images through the CRI: REPOSITORY TAG IMAGE ID SIZE.") { endpoint };
        command.Aliases.Add("list");
        command.SetAction(async (parse, ct) =>
        {
            using var runtime = new CriRuntime(new CriRuntimeOptions(parse.GetValue(endpoint)!));
            IReadOnlyList<Capstan.Agent.Runtime.ImageInfo> list;
            try
            {
                list = await runtime.Images.ListImagesAsync(ct).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException ex)
            {
                Console.Error.WriteLine($"capstan: cannot list images at {parse.GetValue(endpoint)}: {ex.Status.Detail}");
                return 1;
            }

            var rows = new List<string[]> { new[] { "REPOSITORY", "TAG", "IMAGE ID", "SIZE" } };
            foreach (var image in list)
            {
                var id = image.Id.StartsWith("sha256:", StringComparison.Ordinal) ? image.Id[7..] : image.Id;
                id = id.Length > 13 ? id[..13] : id;
                var size = FormatSize(image.SizeBytes);
                if (image.RepoTags.Count == 0)
                {
                    var repo = image.RepoDigests.FirstOrDefault() is { } digest ? digest.Split('@')[0] : "<none>";
                    rows.Add([repo, "<none>", id, size]);
                }

                foreach (var tag in image.RepoTags)
                {
                    var name = ImageName.Parse(tag);
                    var colon = tag.LastIndexOf(':');
                    var repo = name.Tag is not null && colon > tag.LastIndexOf('/') ? tag[..colon] : tag;
                    rows.Add([repo, name.Tag ?? "<none>", id, size]);
                }
            }

            var widths = Enumerable.Range(0, 4).Select(i => rows.Max(r => r[i].Length)).ToArray();
            foreach (var row in rows)
            {
                Console.WriteLine(string.Join("   ", row.Select((cell, i) => i == 3 ? cell : cell.PadRight(widths[i]))).TrimEnd());
            }

            return 0;
        });
        return command;
    }

    /// <summary>crictl's sizes: 1.23MB, 4.5kB (powers of 1000).</summary>
    internal static string FormatSize(ulong bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        return value.ToString(unit == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + units[unit];
    }
}
