using System.Collections.Frozen;
using Capstan.Api.Kinds.Apps;
using Capstan.Api.Kinds.Autoscaling;
using Capstan.Api.Kinds.Batch;
using Capstan.Api.Kinds.Coordination;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Kinds.Discovery;
using Capstan.Api.Kinds.Networking;
using Capstan.Api.Kinds.Policy;
using Capstan.Api.Kinds.Rbac;
using Capstan.Api.Kinds.Scheduling;
using Capstan.Api.Kinds.Storage;
using Capstan.Api.Registry;

namespace Capstan.Api.Kinds;

/// <summary>The strategy of every built-in kind, looked up by API group and kind.</summary>
public static class KindStrategies
{
    private static readonly FrozenDictionary<string, IKindStrategy> ByKind = Build();

    /// <summary>The strategy for a kind the registry serves (a <see cref="DefaultKindStrategy"/> when it has no rules of its own); null for unknown kinds.</summary>
    public static IKindStrategy? Find(string group, string kind) => ByKind.GetValueOrDefault(Key(group, kind));

    public static IEnumerable<IKindStrategy> All => ByKind.Values;

    private static string Key(string group, string kind) => group + "/" + kind;

    private static FrozenDictionary<string, IKindStrategy> Build()
    {
        IKindStrategy[] specific =
        [
            new PodStrategy(),
            new NamespaceStrategy(),
            new NodeStrategy(),
            new ServiceStrategy(),
            new EndpointsStrategy(),
            new ConfigMapStrategy(),
            new SecretStrategy(),
            new Core.EventStrategy(),
            new PersistentVolumeStrategy(),
            new PersistentVolumeClaimStrategy(),
            new ResourceQuotaStrategy(),
            new LimitRangeStrategy(),
            new DeploymentStrategy(),
            new ReplicaSetStrategy(),
            new StatefulSetStrategy(),
            new DaemonSetStrategy(),
            new ControllerRevisionStrategy(),
            new JobStrategy(),
            new CronJobStrategy(),
            new HorizontalPodAutoscalerStrategy(),
            new IngressStrategy(),
            new IngressClassStrategy(),
            new NetworkPolicyStrategy(),
            new StorageClassStrategy(),
            new CsiNodeStrategy(),
            new LeaseStrategy(),
            new EndpointSliceStrategy(),
            new RoleStrategy(),
            new ClusterRoleStrategy(),
            new RoleBindingStrategy(),
            new ClusterRoleBindingStrategy(),
            new Events.EventStrategy(),
            new PodDisruptionBudgetStrategy(),
            new PriorityClassStrategy(),
            new Node.RuntimeClassStrategy(),
            new Certificates.CertificateSigningRequestStrategy(),
            new Rollouts.CanaryStrategy(),
        ];

        var map = specific.ToDictionary(s => Key(s.Group, s.Kind));
        foreach (var resource in ResourceRegistry.BuiltIn.Resources)
        {
            map.TryAdd(Key(resource.Group, resource.Kind), new DefaultKindStrategy(resource.Group, resource.Kind));
        }

        return map.ToFrozenDictionary();
    }
}
