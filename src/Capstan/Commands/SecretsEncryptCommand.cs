using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Encryption;
using Capstan.ApiServer.Security;

namespace Capstan.Commands;

/// <summary>
/// `capstan secrets-encrypt status|rotate|reencrypt`: key management of encryption at rest on the running server, through
/// its admin-only endpoint with the data dir's admin kubeconfig (the server holds the datastore, so this never opens it).
/// </summary>
public static class SecretsEncryptCommand
{
    public static Command Create()
    {
        var command = new Command("secrets-encrypt", "Show, rotate and re-apply the keys that encrypt Secrets at rest on the running server.");
        command.Subcommands.Add(Action("status", "Show the write key and how many stored objects each key protects.", "GET"));
        command.Subcommands.Add(Action("rotate", "Add a new write key; existing objects keep their key until `reencrypt`.", "POST"));
        command.Subcommands.Add(Action("reencrypt", "Rewrite every encrypted object with the write key, then drop unused keys.", "POST"));
        return command;
    }

    private static Command Action(string name, string description, string method)
    {
        var dataDir = HelperCommands.DataDirOption();
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Admin kubeconfig of the server (default: the data dir's kubeconfig.yaml)" };
        var command = new Command(name, description) { dataDir, kubeconfig };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(kubeconfig) ?? Path.Combine(DataDirectory.Resolve(parse.GetValue(dataDir)), ClusterPki.KubeconfigFile);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"capstan: {path} does not exist; start `capstan server` first or pass --kubeconfig");
                return 1;
            }

            var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            using var client = new k8s.Kubernetes(config);
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(new Uri(config.Host), $"{SecretsEncryptEndpoint.BasePath}/{name}"));
            HttpResponseMessage response;
            try
            {
                response = await client.HttpClient.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                Console.Error.WriteLine($"capstan: cannot reach the server at {config.Host}: {ex.Message}");
                return 1;
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                var json = JsonNode.Parse(body) as JsonObject;
                if (!response.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"capstan: {json?["message"]?.GetValue<string>() ?? body}");
                    return 1;
                }

                Print(name, json ?? []);
                return 0;
            }
        });
        return command;
    }

    private static void Print(string action, JsonObject json)
    {
        if (action == "rotate")
        {
            Console.WriteLine($"New write key: {json["activeKey"]}");
            Console.WriteLine("Existing objects keep their key until `capstan secrets-encrypt reencrypt`.");
            return;
        }

        if (action == "reencrypt")
        {
            Console.WriteLine($"Re-encrypted objects: {json["rewritten"]}");
            var dropped = json["droppedKeys"]?.AsArray().Select(d => d?.GetValue<string>()).ToList() ?? [];
            Console.WriteLine($"Dropped keys: {(dropped.Count == 0 ? "none" : string.Join(", ", dropped))}");
        }

        Console.WriteLine("Encryption Status: Enabled");
        Console.WriteLine($"Resources: {string.Join(", ", json["resources"]?.AsArray().Select(r => r?.GetValue<string>()) ?? [])}");
        Console.WriteLine($"Active Key: {json["activeKey"]}");
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-36} {1,-7} {2}", "KEY", "ACTIVE", "OBJECTS"));
        foreach (var key in json["keys"]?.AsArray() ?? [])
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-36} {1,-7} {2}",
                key?["name"], key?["active"]?.GetValue<bool>() == true ? "*" : "", key?["objects"]));
        }

        Console.WriteLine($"Plaintext objects: {json["plaintextObjects"]}");
    }
}
