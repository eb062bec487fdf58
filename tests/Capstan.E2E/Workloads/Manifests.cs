using Capstan.E2E.Infrastructure;

namespace Capstan.E2E.Workloads;

/// <summary>Deployments of the test workload (capstan-testserver) as the tests apply them.</summary>
internal static class WorkloadManifests
{
    public static string Deployment(string name, int replicas, string extraArgs = "", string probes = DefaultProbes) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: web
                image: capstan/testserver
                command: ["{{WorkloadCluster.TestServerBinary}}", "serve", "--port", "8080"{{extraArgs}}]
                env:
                - name: POD_IP
                  valueFrom:
                    fieldRef:
                      fieldPath: status.podIP
        {{probes}}
        """;

    // Indented to sit under the container (8 spaces), since an interpolated value's lines are not re-indented.
    public const string DefaultProbes =
        "        readinessProbe:\n" +
        "          httpGet: {path: /readyz, port: 8080}\n" +
        "          periodSeconds: 1\n" +
        "          failureThreshold: 1\n" +
        "        livenessProbe:\n" +
        "          httpGet: {path: /healthz, port: 8080}\n" +
        "          periodSeconds: 1\n" +
        "          failureThreshold: 2\n";
}
