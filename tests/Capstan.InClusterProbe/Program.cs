using System.Net;
using k8s;
using k8s.Autorest;

// Prints what an in-cluster client sees, one fact per line, for the test to check:
//   host <url>, namespace <ns>, pod <name> (one per pod in the namespace), secrets <HTTP status>.
var config = KubernetesClientConfiguration.InClusterConfig();
Console.WriteLine($"host {config.Host}");
Console.WriteLine($"namespace {config.Namespace}");
using var client = new Kubernetes(config);
var pods = await client.CoreV1.ListNamespacedPodAsync(config.Namespace);
foreach (var pod in pods.Items)
{
    Console.WriteLine($"pod {pod.Metadata.Name}");
}

// The Role grants pods only: Secrets must be refused.
try
{
    await client.CoreV1.ListNamespacedSecretAsync(config.Namespace);
    Console.WriteLine($"secrets {(int)HttpStatusCode.OK}");
}
catch (HttpOperationException ex)
{
    Console.WriteLine($"secrets {(int)ex.Response.StatusCode}");
}

return 0;
