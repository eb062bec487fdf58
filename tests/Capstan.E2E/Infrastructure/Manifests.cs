namespace Capstan.E2E.Infrastructure;

/// <summary>Manifests the tests apply; written to files because kubectl reports "created" per file and document.</summary>
public static class Manifests
{
    /// <summary>A ConfigMap, a Secret (data, not stringData, so a re-apply is "unchanged"), a two-container Deployment and a Service.</summary>
    public static string WebApp(int replicas = 2, string image = "nginx:1.25") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          labels:
            app: web
        data:
          greeting: hello
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: web-secret
          labels:
            app: web
        type: Opaque
        data:
          password: czNjcmV0
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: {image}
                imagePullPolicy: IfNotPresent
              - name: sidecar
                image: busybox:1.36
                imagePullPolicy: IfNotPresent
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels:
            app: web
        spec:
          selector:
            app: web
          ports:
          - port: 80
            targetPort: 8080
        """;

    public static string ConfigMap(string name, string key = "a", string value = "one", string labels = "") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {name}
        {(labels.Length == 0 ? "" : "  labels: {" + labels + "}")}
        data:
          {key}: "{value}"
        """;
}
