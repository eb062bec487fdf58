using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.Api.Registry;
using Capstan.Api.Tables;

namespace Capstan.Api.Tests.Tables;

public sealed class TableConvertersTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string Meta = """
        "metadata":{"name":"x","namespace":"default","creationTimestamp":"2025-01-10T11:00:00Z"}
        """;

    /// <summary>The cells of one row as a JSON array, so expectations read like what the server sends.</summary>
    private static string Cells(string group, string kind, string body)
    {
        var obj = (JsonObject)JsonNode.Parse("{" + Meta + (body.Length > 0 ? "," + body : "") + "}")!;
        var table = TableBuilder.Build(TableConverters.For(group, kind), [obj], "None", null, null, null, Now);
        return table["rows"]![0]!["cells"]!.ToJsonString(Relaxed);
    }

    private static string Headers(string group, string kind) =>
        string.Join(",", TableConverters.For(group, kind).Columns.Select(c => c.Priority == 0 ? c.Name : c.Name + "*"));

    [Theory]
    [InlineData("", "Pod", "Name,Ready,Status,Restarts,Age,IP*,Node*,Nominated Node*,Readiness Gates*")]
    [InlineData("apps", "Deployment", "Name,Ready,Up-to-date,Available,Age,Containers*,Images*,Selector*")]
    [InlineData("", "Service", "Name,Type,Cluster-IP,External-IP,Port(s),Age,Selector*")]
    [InlineData("", "Namespace", "Name,Status,Age")]
    [InlineData("", "ConfigMap", "Name,Data,Age")]
    [InlineData("", "Secret", "Name,Type,Data,Age")]
    [InlineData("", "Node", "Name,Status,Roles,Age,Version,Internal-IP*,External-IP*,OS-Image*,Kernel-Version*,Container-Runtime*")]
    [InlineData("", "Event", "Last Seen,Type,Reason,Object,Subobject*,Source*,Message,First Seen*,Count*,Name*")]
    [InlineData("events.k8s.io", "Event", "Last Seen,Type,Reason,Object,Subobject*,Source*,Message,First Seen*,Count*,Name*")]
    [InlineData("apps", "ReplicaSet", "Name,Desired,Current,Ready,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "StatefulSet", "Name,Ready,Age,Containers*,Images*")]
    [InlineData("apps", "DaemonSet", "Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age,Containers*,Images*,Selector*")]
    [InlineData("apps", "ControllerRevision", "Name,Controller,Revision,Age")]
    [InlineData("batch", "Job", "Name,Status,Completions,Duration,Age,Containers*,Images*,Selector*")]
    [InlineData("batch", "CronJob", "Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age,Containers*,Images*,Selector*")]
    [InlineData("autoscaling", "HorizontalPodAutoscaler", "Name,Reference,Targets,MinPods,MaxPods,Replicas,Age")]
    [InlineData("networking.k8s.io", "Ingress", "Name,Class,Hosts,Address,Ports,Age")]
    [InlineData("networking.k8s.io", "IngressClass", "Name,Controller,Parameters,Age")]
    [InlineData("networking.k8s.io", "NetworkPolicy", "Name,Pod-Selector,Age")]
    [InlineData("", "PersistentVolume", "Name,Capacity,Access Modes,Reclaim Policy,Status,Claim,StorageClass,VolumeAttributesClass,Reason,Age,VolumeMode*")]
    [InlineData("", "PersistentVolumeClaim", "Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age,VolumeMode*")]
    [InlineData("storage.k8s.io", "StorageClass", "Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age")]
    [InlineData("", "ServiceAccount", "Name,Secrets,Age")]
    [InlineData("", "Endpoints", "Name,Endpoints,Age")]
    [InlineData("discovery.k8s.io", "EndpointSlice", "Name,AddressType,Ports,Endpoints,Age")]
    [InlineData("coordination.k8s.io", "Lease", "Name,Holder,Age")]
    [InlineData("policy", "PodDisruptionBudget", "Name,Min Available,Max Unavailable,Allowed Disruptions,Age")]
    [InlineData("scheduling.k8s.io", "PriorityClass", "Name,Value,Global-Default,Age,PreemptionPolicy*")]
    [InlineData("rbac.authorization.k8s.io", "Role", "Name,Created At")]
    [InlineData("rbac.authorization.k8s.io", "ClusterRole", "Name,Created At")]
    [InlineData("rbac.authorization.k8s.io", "RoleBinding", "Name,Role,Age,Users*,Groups*,ServiceAccounts*")]
    [InlineData("rbac.authorization.k8s.io", "ClusterRoleBinding", "Name,Role,Age,Users*,Groups*,ServiceAccounts*")]
    [InlineData("", "ResourceQuota", "Name,Request,Limit,Age")]
    [InlineData("", "LimitRange", "Name,Created At")]
    [InlineData("example.com", "Widget", "Name,Created At")]
    public void Columns_AsKubernetes(string group, string kind, string expected)
    {
        Assert.Equal(expected, Headers(group, kind));
    }

    [Fact]
    public void EveryRegisteredResource_HasAConverterWhoseCellsMatchColumns()
    {
        foreach (var resource in ResourceRegistry.BuiltIn.Resources)
        {
            var converter = TableConverters.For(resource.Group, resource.Kind);
            Assert.Equal(resource.Kind, converter.Kind);
            var cells = converter.Cells((JsonObject)JsonNode.Parse("{" + Meta + "}")!, Now);
            Assert.Equal(converter.Columns.Count, cells.Count);
            Assert.Equal("name", converter.Columns.Single(c => c.Name == "Name").Format);
        }
    }

    [Theory]
    [InlineData("apps", "Deployment",
        """
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"a","image":"nginx:1"},{"name":"b","image":"busybox"}]}}},
        "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}
        """,
        """["x","2/3",3,2,"60m","a,b","nginx:1,busybox","app=web"]""")]
    [InlineData("apps", "Deployment", "", """["x","0/1",0,0,"60m","","",""]""")]
    [InlineData("", "Service",
        """
        "spec":{"type":"ClusterIP","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}],"selector":{"k8s-app":"dns"}}
        """,
        """["x","ClusterIP","10.43.0.10","<none>","53/UDP,53/TCP","60m","k8s-app=dns"]""")]
    [InlineData("", "Service",
        """
        "spec":{"type":"NodePort","clusterIPs":["10.43.0.11"],"ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}]}
        """,
        """["x","NodePort","10.43.0.11","<none>","80:30080/TCP","60m","<none>"]""")]
    [InlineData("", "Service",
        """
        "spec":{"type":"LoadBalancer","clusterIPs":["10.43.0.12"],"ports":[{"port":443,"nodePort":31443,"protocol":"TCP"}]}
        """,
        """["x","LoadBalancer","10.43.0.12","<pending>","443:31443/TCP","60m","<none>"]""")]
    [InlineData("", "Service",
        """
        "spec":{"type":"LoadBalancer","clusterIPs":["10.43.0.12"],"externalIPs":["1.2.3.4"],"ports":[]},"status":{"loadBalancer":{"ingress":[{"ip":"5.6.7.8"},{"hostname":"lb.example.com"}]}}
        """,
        """["x","LoadBalancer","10.43.0.12","5.6.7.8,lb.example.com,1.2.3.4","<none>","60m","<none>"]""")]
    [InlineData("", "Service",
        """
        "spec":{"type":"ExternalName","externalName":"db.example.com"}
        """,
        """["x","ExternalName","<none>","db.example.com","<none>","60m","<none>"]""")]
    [InlineData("", "Namespace", """ "status":{"phase":"Active"} """, """["x","Active","60m"]""")]
    [InlineData("", "ConfigMap", """ "data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="} """, """["x",3,"60m"]""")]
    [InlineData("", "Secret", """ "type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""} """, """["x","kubernetes.io/tls",2,"60m"]""")]
    [InlineData("", "ServiceAccount", """ "secrets":[{"name":"t"}] """, """["x",1,"60m"]""")]
    [InlineData("", "Node",
        """
        "spec":{"unschedulable":true},
        "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
                  "addresses":[{"type":"InternalIP","address":"192.168.1.5"},{"type":"Hostname","address":"n1"}],
                  "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian GNU/Linux 12","kernelVersion":"6.1.0","containerRuntimeVersion":"containerd://1.6.20"}}
        """,
        """["x","Ready,SchedulingDisabled","<none>","60m","v1.32.0","192.168.1.5","<none>","Debian GNU/Linux 12","6.1.0","containerd://1.6.20"]""")]
    [InlineData("", "Node", "", """["x","Unknown","<none>","60m","","<none>","<none>","<unknown>","<unknown>","<unknown>"]""")]
    [InlineData("apps", "ReplicaSet",
        """
        "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web","pod-template-hash":"abc"}},"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}},
        "status":{"replicas":2,"readyReplicas":1}
        """,
        """["x",2,2,1,"60m","web","nginx","app=web,pod-template-hash=abc"]""")]
    [InlineData("apps", "StatefulSet", """ "spec":{"replicas":3},"status":{"readyReplicas":3} """, """["x","3/3","60m","",""]""")]
    [InlineData("apps", "DaemonSet",
        """
        "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"a","image":"agent:1"}]}}},
        "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,"updatedNumberScheduled":3,"numberAvailable":2}
        """,
        """["x",3,3,2,3,2,"kubernetes.io/os=linux","60m","a","agent:1","app=agent"]""")]
    [InlineData("batch", "Job",
        """
        "spec":{"completions":1,"parallelism":1,"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},
        "status":{"succeeded":1,"startTime":"2025-01-10T11:00:00Z","completionTime":"2025-01-10T11:00:42Z","conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]}
        """,
        """["x","Complete","1/1","42s","60m","pi","perl","<none>"]""")]
    [InlineData("batch", "Job",
        """
        "spec":{"parallelism":3},"status":{"succeeded":0,"startTime":"2025-01-10T11:55:00Z"}
        """,
        """["x","Running","0/1 of 3","5m","60m","","","<none>"]""")]
    [InlineData("batch", "Job",
        """
        "spec":{"completions":2,"suspend":true},"status":{"conditions":[{"type":"Suspended","status":"True"}]}
        """,
        """["x","Suspended","0/2","","60m","","","<none>"]""")]
    [InlineData("batch", "Job",
        """
        "spec":{"completions":2},"status":{"conditions":[{"type":"FailureTarget","status":"True"},{"type":"Failed","status":"True"}]}
        """,
        """["x","Failed","0/2","","60m","","","<none>"]""")]
    [InlineData("batch", "CronJob",
        """
        "spec":{"schedule":"*/5 * * * *","suspend":false,"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}},
        "status":{"active":[{"name":"j1"}],"lastScheduleTime":"2025-01-10T11:58:00Z"}
        """,
        """["x","*/5 * * * *","<none>","False",1,"2m","60m","c","busybox","<none>"]""")]
    [InlineData("batch", "CronJob", """ "spec":{"schedule":"@daily","timeZone":"Etc/UTC"} """, """["x","@daily","Etc/UTC","<unset>",0,"<none>","60m","","","<none>"]""")]
    [InlineData("autoscaling", "HorizontalPodAutoscaler",
        """
        "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":10,
                "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}},
                           {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"512Mi"}}},
                           {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}]},
        "status":{"currentReplicas":2,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":35}}}]}
        """,
        """["x","Deployment/web","cpu: 35%/80%, memory: <unknown>/512Mi + 1 more...","1",10,2,"60m"]""")]
    [InlineData("autoscaling", "HorizontalPodAutoscaler",
        """ "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3} """,
        """["x","Deployment/web","<none>","<unset>",3,0,"60m"]""")]
    [InlineData("networking.k8s.io", "Ingress",
        """
        "spec":{"ingressClassName":"nginx","rules":[{"host":"a.example.com"},{"host":"b.example.com"}],"tls":[{"hosts":["a.example.com"]}]},
        "status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}
        """,
        """["x","nginx","a.example.com,b.example.com","10.0.0.1","80, 443","60m"]""")]
    [InlineData("networking.k8s.io", "Ingress",
        """ "spec":{"rules":[{"host":"a"},{"host":"b"},{"host":"c"},{"host":"d"},{}]} """,
        """["x","<none>","a,b,c + 2 more...","","80","60m"]""")]
    [InlineData("networking.k8s.io", "Ingress", """ "spec":{"rules":[{}]} """, """["x","<none>","*","","80","60m"]""")]
    [InlineData("networking.k8s.io", "IngressClass",
        """ "spec":{"controller":"k8s.io/ingress-nginx","parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"p"}} """,
        """["x","k8s.io/ingress-nginx","IngressParameters.k8s.example.com/p","60m"]""")]
    [InlineData("networking.k8s.io", "NetworkPolicy", """ "spec":{"podSelector":{}} """, """["x","<none>","60m"]""")]
    [InlineData("networking.k8s.io", "NetworkPolicy",
        """ "spec":{"podSelector":{"matchExpressions":[{"key":"role","operator":"In","values":["db","cache"]}]}} """,
        """["x","role in (cache,db)","60m"]""")]
    [InlineData("", "PersistentVolume",
        """
        "spec":{"capacity":{"storage":"1.5Gi"},"accessModes":["ReadWriteMany","ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Retain",
                "claimRef":{"namespace":"default","name":"data"},"storageClassName":"local","volumeMode":"Filesystem"},
        "status":{"phase":"Bound"}
        """,
        """["x","1536Mi","RWO,RWX","Retain","Bound","default/data","local","<unset>","","60m","Filesystem"]""")]
    [InlineData("", "PersistentVolumeClaim",
        """
        "spec":{"volumeName":"pv1","storageClassName":"local","resources":{"requests":{"storage":"1Gi"}}},
        "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"2Gi"}}
        """,
        """["x","Bound","pv1","2Gi","RWO","local","<unset>","60m","<unset>"]""")]
    [InlineData("", "PersistentVolumeClaim",
        """ "spec":{"storageClassName":"local"},"status":{"phase":"Pending"} """,
        """["x","Pending","","","","local","<unset>","60m","<unset>"]""")]
    [InlineData("storage.k8s.io", "StorageClass",
        """ "provisioner":"rancher.io/local-path","volumeBindingMode":"WaitForFirstConsumer" """,
        """["x","rancher.io/local-path","Delete","WaitForFirstConsumer",false,"60m"]""")]
    [InlineData("", "Endpoints",
        """ "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"port":80},{"port":443}]}] """,
        """["x","10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...","60m"]""")]
    [InlineData("", "Endpoints", """ "subsets":[{"addresses":[{"ip":"fd00::1"}],"ports":[{"port":53}]}] """, """["x","[fd00::1]:53","60m"]""")]
    [InlineData("", "Endpoints", "", """["x","<none>","60m"]""")]
    [InlineData("discovery.k8s.io", "EndpointSlice",
        """ "addressType":"IPv4","ports":[{"name":"http","port":80},{"name":"x"}],"endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["10.0.0.2"]}] """,
        """["x","IPv4","80,x","10.0.0.1,10.0.0.2","60m"]""")]
    [InlineData("discovery.k8s.io", "EndpointSlice", """ "addressType":"IPv4" """, """["x","IPv4","<unset>","<unset>","60m"]""")]
    [InlineData("coordination.k8s.io", "Lease", """ "spec":{"holderIdentity":"node-1"} """, """["x","node-1","60m"]""")]
    [InlineData("policy", "PodDisruptionBudget", """ "spec":{"minAvailable":"50%"},"status":{"disruptionsAllowed":1} """, """["x","50%","N/A",1,"60m"]""")]
    [InlineData("policy", "PodDisruptionBudget", """ "spec":{"maxUnavailable":1} """, """["x","N/A","1",0,"60m"]""")]
    [InlineData("scheduling.k8s.io", "PriorityClass", """ "value":1000000000,"globalDefault":false,"preemptionPolicy":"PreemptLowerPriority" """, """["x",1000000000,false,"60m","PreemptLowerPriority"]""")]
    [InlineData("rbac.authorization.k8s.io", "RoleBinding",
        """
        "roleRef":{"kind":"ClusterRole","name":"view"},
        "subjects":[{"kind":"User","name":"alice"},{"kind":"User","name":"bob"},{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","namespace":"ci","name":"builder"}]
        """,
        """["x","ClusterRole/view","60m","alice, bob","devs","ci/builder"]""")]
    [InlineData("rbac.authorization.k8s.io", "Role", "", """["x","2025-01-10T11:00:00Z"]""")]
    [InlineData("", "ResourceQuota",
        """ "status":{"hard":{"pods":"10","requests.cpu":"2","limits.memory":"2Gi","limits.cpu":"4"},"used":{"pods":"3","requests.cpu":"500m","limits.cpu":"1"}} """,
        """["x","pods: 3/10, requests.cpu: 500m/2","limits.cpu: 1/4, limits.memory: 0/2Gi","60m"]""")]
    public void Cells_AsKubernetes(string group, string kind, string body, string expected)
    {
        Assert.Equal(expected, Cells(group, kind, body.Trim()));
    }

    [Fact]
    public void Event_Core_AllCells()
    {
        const string body = """
            "involvedObject":{"kind":"Pod","name":"web-1","fieldPath":"spec.containers{web}"},
            "reason":"Pulled","message":"  Container image already present \n","type":"Normal",
            "source":{"component":"kubelet","host":"node-1"},
            "firstTimestamp":"2025-01-10T11:50:00Z","lastTimestamp":"2025-01-10T11:59:00Z","count":4
            """;
        Assert.Equal(
            """["60s","Normal","Pulled","pod/web-1","spec.containers{web}","kubelet, node-1","Container image already present","10m",4,"x"]""",
            Cells("", "Event", body));
    }

    [Fact]
    public void Event_NewStyle_SeriesAndEventTime()
    {
        const string body = """
            "regarding":{"kind":"Node","name":"node-1"},"reason":"Starting","note":"Starting kubelet.","type":"Normal",
            "reportingController":"kubelet","reportingInstance":"node-1","eventTime":"2025-01-10T11:30:00.000000Z",
            "series":{"count":7,"lastObservedTime":"2025-01-10T11:58:00.000000Z"}
            """;
        Assert.Equal(
            """["2m","Normal","Starting","node/node-1","","kubelet, node-1","Starting kubelet.","30m",7,"x"]""",
            Cells("events.k8s.io", "Event", body));
    }

    [Fact]
    public void Event_Core_NoCount_IsOne()
    {
        const string body = """ "involvedObject":{"kind":"Namespace"},"eventTime":"2025-01-10T11:59:30.000000Z","reportingComponent":"ctrl" """;
        Assert.Equal("""["30s","","","namespace","","ctrl","","30s",1,"x"]""", Cells("", "Event", body.Trim()));
    }

    [Fact]
    public void StorageClass_Default_Marked()
    {
        const string meta = """{"metadata":{"name":"local","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"p","allowVolumeExpansion":true}""";
        var cells = TableConverters.For("storage.k8s.io", "StorageClass").Cells((JsonObject)JsonNode.Parse(meta)!, Now);
        Assert.Equal("local (default)", cells[0]);
        Assert.Equal(true, cells[4]);
        Assert.Equal("<unknown>", cells[5]);
    }

    [Theory]
    [InlineData("apps/v1", "DaemonSet", true, "daemonset.apps/agent")]
    [InlineData("v1", "Pod", true, "pod/agent")]
    [InlineData("apps/v1", "StatefulSet", false, "<none>")]
    public void ControllerRevision_Controller(string apiVersion, string kind, bool controller, string expected)
    {
        var json = """{"metadata":{"name":"x","creationTimestamp":"2025-01-10T11:00:00Z","ownerReferences":[{"apiVersion":"AV","kind":"KIND","name":"agent","controller":CTRL}]},"revision":2}"""
            .Replace("AV", apiVersion, StringComparison.Ordinal)
            .Replace("KIND", kind, StringComparison.Ordinal)
            .Replace("CTRL", controller ? "true" : "false", StringComparison.Ordinal);
        var cells = TableConverters.For("apps", "ControllerRevision").Cells((JsonObject)JsonNode.Parse(json)!, Now);
        Assert.Equal(["x", expected, 2L, "60m"], cells);
    }
}
