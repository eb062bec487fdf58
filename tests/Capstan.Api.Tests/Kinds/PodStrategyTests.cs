using System.Text.Json.Nodes;
using Capstan.Api.Kinds;

namespace Capstan.Api.Tests.Kinds;

public sealed class PodStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("", "Pod")!;

    private static JsonObject Pod(string containers, string extra = "") =>
        Json.Parse("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":""" + containers + extra + "}}");

    private static JsonObject Defaulted(string containers, string extra = "")
    {
        var pod = Pod(containers, extra);
        Strategy.Default(pod);
        return pod;
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("registry:5000/team/app", "Always")]
    [InlineData("registry:5000/team/app:v2", "IfNotPresent")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    public void Default_ImagePullPolicy_FromTag(string image, string expected)
    {
        var pod = Defaulted($$"""[{"name":"c","image":"{{image}}"}]""");
        Assert.Equal(expected, (string?)Json.At(pod, "spec.containers[0].imagePullPolicy"));
    }

    [Theory]
    [InlineData("spec.restartPolicy", "\"Always\"")]
    [InlineData("spec.dnsPolicy", "\"ClusterFirst\"")]
    [InlineData("spec.terminationGracePeriodSeconds", "30")]
    [InlineData("spec.schedulerName", "\"default-scheduler\"")]
    [InlineData("spec.securityContext", "{}")]
    [InlineData("spec.enableServiceLinks", "true")]
    [InlineData("spec.containers[0].terminationMessagePath", "\"/dev/termination-log\"")]
    [InlineData("spec.containers[0].terminationMessagePolicy", "\"File\"")]
    [InlineData("spec.containers[0].ports[0].protocol", "\"TCP\"")]
    [InlineData("spec.containers[0].livenessProbe.timeoutSeconds", "1")]
    [InlineData("spec.containers[0].livenessProbe.periodSeconds", "10")]
    [InlineData("spec.containers[0].livenessProbe.successThreshold", "1")]
    [InlineData("spec.containers[0].livenessProbe.failureThreshold", "3")]
    [InlineData("spec.containers[0].livenessProbe.httpGet.path", "\"/\"")]
    [InlineData("spec.containers[0].livenessProbe.httpGet.scheme", "\"HTTP\"")]
    [InlineData("spec.containers[0].resources.requests.cpu", "\"500m\"")]
    [InlineData("spec.containers[0].resources.limits.memory", "\"1Gi\"")]
    [InlineData("spec.containers[0].resources.requests.memory", "\"1Gi\"")]
    [InlineData("spec.containers[0].env[0].valueFrom.fieldRef.apiVersion", "\"v1\"")]
    [InlineData("spec.serviceAccountName", "\"default\"")]
    [InlineData("spec.serviceAccount", "\"default\"")]
    [InlineData("spec.volumes[0].emptyDir", "{}")]
    [InlineData("spec.volumes[1].configMap.defaultMode", "420")]
    [InlineData("spec.volumes[2].secret.defaultMode", "420")]
    public void Default_Pod_GetsKubernetesDefaults(string path, string expected)
    {
        var pod = Defaulted(
            """
            [{"name":"c","image":"app:1","ports":[{"containerPort":80}],
              "livenessProbe":{"httpGet":{"port":80}},
              "resources":{"limits":{"cpu":"0.5","memory":"1024Mi"},"requests":{"cpu":"500m"}},
              "env":[{"name":"NODE","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}],
              "volumeMounts":[{"name":"scratch","mountPath":"/s"}]}]
            """,
            ""","volumes":[{"name":"scratch"},{"name":"cm","configMap":{"name":"x"}},{"name":"sec","secret":{"secretName":"s"}}]""");
        Assert.Equal(expected, Json.Text(pod, path));
        Assert.Empty(Strategy.Validate(pod, null));
    }

    [Theory]
    [InlineData("""[{"name":"c","image":"a"}]""", "BestEffort")]
    [InlineData("""[{"name":"c","image":"a","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]""", "Guaranteed")]
    [InlineData("""[{"name":"c","image":"a","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}}]""", "Burstable")]
    [InlineData("""[{"name":"c","image":"a","resources":{"requests":{"memory":"1Gi"}}}]""", "Burstable")]
    [InlineData("""[{"name":"c","image":"a","resources":{"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"d","image":"a"}]""", "Burstable")]
    public void PrepareForCreate_QosClass(string containers, string expected)
    {
        var pod = Defaulted(containers);
        Strategy.PrepareForCreate(pod);
        Assert.Equal(expected, (string?)Json.At(pod, "status.qosClass"));
        Assert.Equal("Pending", (string?)Json.At(pod, "status.phase"));
    }

    [Theory]
    [InlineData("[]", "", "spec.containers:FieldValueRequired")]
    [InlineData("""[{"name":"c"}]""", "", "spec.containers[0].image:FieldValueRequired")]
    [InlineData("""[{"image":"a"}]""", "", "spec.containers[0].name:FieldValueRequired")]
    [InlineData("""[{"name":"C_1","image":"a"}]""", "", "spec.containers[0].name:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a"},{"name":"c","image":"b"}]""", "", "spec.containers[1].name:FieldValueDuplicate")]
    [InlineData("""[{"name":"c","image":"a","ports":[{"containerPort":70000}]}]""", "", "spec.containers[0].ports[0].containerPort:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","ports":[{"containerPort":80,"protocol":"ICMP"}]}]""", "", "spec.containers[0].ports[0].protocol:FieldValueNotSupported")]
    [InlineData("""[{"name":"c","image":"a","resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}]""", "", "spec.containers[0].resources.requests[cpu]:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","resources":{"limits":{"cpu":"lots"}}}]""", "", "spec.containers[0].resources.limits[cpu]:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","resources":{"limits":{"cpu":"-1"}}}]""", "", "spec.containers[0].resources.limits[cpu]:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","volumeMounts":[{"name":"missing","mountPath":"/x"}]}]""", "", "spec.containers[0].volumeMounts[0].name:FieldValueNotFound")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","volumes":[{"name":"v"},{"name":"v"}]""", "spec.volumes[1].name:FieldValueDuplicate")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","volumes":[{"name":"v","emptyDir":{},"hostPath":{"path":"/x"}}]""", "spec.volumes[0].emptyDir:FieldValueForbidden")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","restartPolicy":"Sometimes" """, "spec.restartPolicy:FieldValueNotSupported")]
    [InlineData("""[{"name":"c","image":"a","livenessProbe":{"successThreshold":2,"exec":{"command":["true"]}}}]""", "", "spec.containers[0].livenessProbe.successThreshold:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","livenessProbe":{}}]""", "", "spec.containers[0].livenessProbe:FieldValueRequired")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","tolerations":[{"key":"k","operator":"Exists","value":"v"}]""", "spec.tolerations[0].operator:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","ports":[{"containerPort":80,"hostPort":8080}]}]""", ""","hostNetwork":true""", "spec.containers[0].ports[0].hostPort:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a","envFrom":[{"configMapRef":{}}]}]""", "", "spec.containers[0].envFrom[0].configMapRef.name:FieldValueRequired")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","volumes":[{"name":"v","configMap":{}}]""", "spec.volumes[0].configMap.name:FieldValueRequired")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","topologySpreadConstraints":[{"maxSkew":0,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}]""", "spec.topologySpreadConstraints[0].maxSkew:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"Maybe"}]""", "spec.topologySpreadConstraints[0].whenUnsatisfiable:FieldValueNotSupported")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In"}]}]}}}""", "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values:FieldValueRequired")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":0,"podAffinityTerm":{"topologyKey":"zone"}}]}}""", "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight:FieldValueInvalid")]
    [InlineData("""[{"name":"c","image":"a"}]""", ""","affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{}}]}}""", "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey:FieldValueRequired")]
    public void Validate_BadPod_ReportsFieldAndReason(string containers, string extra, string expected)
    {
        var pod = Defaulted(containers, extra);
        Assert.Contains(expected, Json.Fields(Strategy.Validate(pod, null)));
    }

    [Fact]
    public void Validate_GoodAffinity_NoErrors()
    {
        var pod = Defaulted("""[{"name":"c","image":"a"}]""", """
            ,"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                {"matchExpressions":[{"key":"zone","operator":"In","values":["a"]},{"key":"cores","operator":"Gt","values":["4"]}]},
                {"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}},
              "podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"topologyKey":"kubernetes.io/hostname","labelSelector":{"matchLabels":{"app":"a"}}}}]}}
            """);
        Assert.Empty(Strategy.Validate(pod, null));
    }

    [Fact]
    public void Default_HostNetwork_HostPortFromContainerPort()
    {
        var pod = Defaulted("""[{"name":"c","image":"a","ports":[{"containerPort":8080}]}]""", ""","hostNetwork":true""");
        Assert.Equal("8080", Json.Text(pod, "spec.containers[0].ports[0].hostPort"));
        Assert.Empty(Strategy.Validate(pod, null));
    }

    [Fact]
    public void Default_ContainerResources_AlwaysPresent() =>
        Assert.Equal("{}", Json.Text(Defaulted("""[{"name":"c","image":"a"}]"""), "spec.containers[0].resources"));

    [Fact]
    public void Validate_RequestAboveLimit_KubernetesMessage()
    {
        var pod = Defaulted("""[{"name":"c","image":"a","resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}]""");
        Assert.Equal("spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
            Assert.Single(Strategy.Validate(pod, null)).ToString());
    }

    [Fact]
    public void ValidateUpdate_ImageChange_Allowed()
    {
        var old = Defaulted("""[{"name":"c","image":"a:1"}]""");
        var pod = (JsonObject)old.DeepClone();
        pod["spec"]!["containers"]![0]!["image"] = "a:2";
        Assert.Empty(Strategy.Validate(pod, old));
    }

    [Fact]
    public void ValidateUpdate_TolerationAdded_Allowed()
    {
        var old = Defaulted("""[{"name":"c","image":"a:1"}]""", ""","tolerations":[{"key":"a","operator":"Exists"}]""");
        var pod = (JsonObject)old.DeepClone();
        pod["spec"]!["tolerations"]!.AsArray().Add(Json.Parse("""{"key":"b","operator":"Exists"}"""));
        Assert.Empty(Strategy.Validate(pod, old));
    }

    [Fact]
    public void ValidateUpdate_OtherSpecChange_Forbidden()
    {
        var old = Defaulted("""[{"name":"c","image":"a:1"}]""");
        var pod = (JsonObject)old.DeepClone();
        pod["spec"]!["containers"]![0]!["command"] = new JsonArray("sh");
        var err = Assert.Single(Strategy.Validate(pod, old));
        Assert.Equal(("spec", "FieldValueForbidden"), (err.Field, err.Reason));
        Assert.StartsWith("pod updates may not change fields other than `spec.containers[*].image`", err.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateUpdate_ActiveDeadlineIncreased_Invalid()
    {
        var old = Defaulted("""[{"name":"c","image":"a:1"}]""", ""","activeDeadlineSeconds":10""");
        var pod = (JsonObject)old.DeepClone();
        pod["spec"]!["activeDeadlineSeconds"] = 20;
        Assert.Contains("spec.activeDeadlineSeconds:FieldValueInvalid", Json.Fields(Strategy.Validate(pod, old)));
    }

    [Fact]
    public void ValidateStatus_TerminatedContainerRestartedUnderNever_Forbidden()
    {
        var old = Defaulted("""[{"name":"c","image":"a"}]""", ""","restartPolicy":"Never" """);
        old["status"] = Json.Parse("""{"containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":1}}}]}""");
        var pod = (JsonObject)old.DeepClone();
        pod["status"] = Json.Parse("""{"containerStatuses":[{"name":"c","state":{"running":{}}}]}""");
        Assert.Equal(["status.containerStatuses[0].state:FieldValueForbidden"], Json.Fields(Strategy.ValidateStatus(pod, old)));
    }

    [Fact]
    public void ValidateStatus_RestartAlways_MayRunAgain()
    {
        var old = Defaulted("""[{"name":"c","image":"a"}]""");
        old["status"] = Json.Parse("""{"containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":1}}}]}""");
        var pod = (JsonObject)old.DeepClone();
        pod["status"] = Json.Parse("""{"containerStatuses":[{"name":"c","state":{"running":{}}}]}""");
        Assert.Empty(Strategy.ValidateStatus(pod, old));
    }

    [Theory]
    [InlineData(""","dnsPolicy":"None" """, "spec.dnsConfig:FieldValueRequired")]
    [InlineData(""","dnsPolicy":"None","dnsConfig":{}""", "spec.dnsConfig.nameservers:FieldValueRequired")]
    [InlineData(""","dnsConfig":{"nameservers":["x"]}""", "spec.dnsConfig.nameservers[0]:FieldValueInvalid")]
    public void Validate_DnsConfig(string extra, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(Defaulted("""[{"name":"c","image":"a"}]""", extra), null)));

    [Fact]
    public void Validate_HostPortConflict_Duplicate()
    {
        var pod = Defaulted("""[{"name":"a","image":"a","ports":[{"containerPort":80,"hostPort":8080}]},{"name":"b","image":"a","ports":[{"containerPort":81,"hostPort":8080}]}]""");
        Assert.Equal(["spec.containers[1].ports[0].hostPort:FieldValueDuplicate"], Json.Fields(Strategy.Validate(pod, null)));
    }
}
