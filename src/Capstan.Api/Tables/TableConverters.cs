using System.Collections.Frozen;
using Capstan.Api.Tables.Converters;

namespace Capstan.Api.Tables;

/// <summary>The table converter of every built-in kind, with the columns Kubernetes 1.32's server-side printers produce.</summary>
public static class TableConverters
{
    private static readonly FrozenDictionary<string, TableConverter> ByKind = BuiltIn().ToFrozenDictionary(c => Key(c.Group, c.Kind));

    /// <summary>The converter for a kind; kinds without a printer get Kubernetes' default table (Name, Created At).</summary>
    public static TableConverter For(string group, string kind) =>
        ByKind.TryGetValue(Key(group, kind), out var converter) ? converter : new DefaultTableConverter(group, kind);

    /// <summary>Whether the kind has its own printer (false means the default Name/Created At table).</summary>
    public static bool HasPrinter(string group, string kind) => ByKind.ContainsKey(Key(group, kind));

    private static string Key(string group, string kind) => group + "/" + kind;

    private static IEnumerable<TableConverter> BuiltIn()
    {
        yield return new PodTableConverter();
        yield return new NodeTableConverter();
        yield return new NamespaceTableConverter();
        yield return new ServiceTableConverter();
        yield return new EndpointsTableConverter();
        yield return new ConfigMapTableConverter();
        yield return new SecretTableConverter();
        yield return new ServiceAccountTableConverter();
        yield return new EventTableConverter("");
        yield return new EventTableConverter("events.k8s.io");
        yield return new PersistentVolumeTableConverter();
        yield return new PersistentVolumeClaimTableConverter();
        yield return new ResourceQuotaTableConverter();
        yield return new DeploymentTableConverter();
        yield return new ReplicaSetTableConverter();
        yield return new StatefulSetTableConverter();
        yield return new DaemonSetTableConverter();
        yield return new ControllerRevisionTableConverter();
        yield return new JobTableConverter();
        yield return new CronJobTableConverter();
        yield return new HorizontalPodAutoscalerTableConverter();
        yield return new IngressTableConverter();
        yield return new IngressClassTableConverter();
        yield return new NetworkPolicyTableConverter();
        yield return new StorageClassTableConverter();
        yield return new CsiNodeTableConverter();
        yield return new LeaseTableConverter();
        yield return new EndpointSliceTableConverter();
        yield return new RoleBindingTableConverter("RoleBinding");
        yield return new RoleBindingTableConverter("ClusterRoleBinding");
        yield return new PodDisruptionBudgetTableConverter();
        yield return new PriorityClassTableConverter();
        yield return new RuntimeClassTableConverter();
        yield return new CertificateSigningRequestTableConverter();
        yield return new CanaryTableConverter();
    }
}
