using k8s.Models;

namespace Capstan.Bench.Workloads.Cluster;

/// <summary>The Deployment every scenario runs: the test server, Ready when its /readyz answers (probed every second).</summary>
public static class TestServerDeployment
{
    public const int Port = 8080;

    public static V1Deployment Create(string name, int replicas, string testServerPath)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = 5,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "testserver",
                                Image = "capstan-testserver",
                                Command = [testServerPath, "serve", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                                Env = [new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }],
                                ReadinessProbe = new V1Probe
                                {
                                    HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = Port },
                                    PeriodSeconds = 1,
                                    InitialDelaySeconds = 0,
                                },
                            },
                        ],
                    },
                },
            },
        };
    }
}
