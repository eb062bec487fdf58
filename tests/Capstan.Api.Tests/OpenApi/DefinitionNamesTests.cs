using Capstan.Api.OpenApi;
using Capstan.Api.Registry;
using k8s.Models;

namespace Capstan.Api.Tests.OpenApi;

public sealed class DefinitionNamesTests
{
    private static readonly DefinitionNames Names = new(ResourceRegistry.BuiltIn);

    [Theory]
    [InlineData(typeof(V1Pod), "io.k8s.api.core.v1.Pod")]
    [InlineData(typeof(V1PodList), "io.k8s.api.core.v1.PodList")]
    [InlineData(typeof(V1PodSpec), "io.k8s.api.core.v1.PodSpec")]
    [InlineData(typeof(V1PodTemplateSpec), "io.k8s.api.core.v1.PodTemplateSpec")]
    [InlineData(typeof(V1ObjectMeta), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")]
    [InlineData(typeof(V1LabelSelector), "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")]
    [InlineData(typeof(V1Status), "io.k8s.apimachinery.pkg.apis.meta.v1.Status")]
    [InlineData(typeof(V1DeleteOptions), "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")]
    [InlineData(typeof(V1Condition), "io.k8s.apimachinery.pkg.apis.meta.v1.Condition")]
    [InlineData(typeof(V1Deployment), "io.k8s.api.apps.v1.Deployment")]
    [InlineData(typeof(V1DeploymentSpec), "io.k8s.api.apps.v1.DeploymentSpec")]
    [InlineData(typeof(V1RollingUpdateDeployment), "io.k8s.api.apps.v1.RollingUpdateDeployment")]
    [InlineData(typeof(Corev1Event), "io.k8s.api.core.v1.Event")]
    [InlineData(typeof(Eventsv1Event), "io.k8s.api.events.v1.Event")]
    [InlineData(typeof(Eventsv1EventSeries), "io.k8s.api.events.v1.EventSeries")]
    [InlineData(typeof(V1EventSource), "io.k8s.api.core.v1.EventSource")]
    [InlineData(typeof(V2HorizontalPodAutoscaler), "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler")]
    [InlineData(typeof(V2MetricSpec), "io.k8s.api.autoscaling.v2.MetricSpec")]
    [InlineData(typeof(V1Scale), "io.k8s.api.autoscaling.v1.Scale")]
    [InlineData(typeof(V1JobTemplateSpec), "io.k8s.api.batch.v1.JobTemplateSpec")]
    [InlineData(typeof(V1Ingress), "io.k8s.api.networking.v1.Ingress")]
    [InlineData(typeof(V1IngressBackend), "io.k8s.api.networking.v1.IngressBackend")]
    [InlineData(typeof(V1TypedLocalObjectReference), "io.k8s.api.core.v1.TypedLocalObjectReference")]
    [InlineData(typeof(V1ObjectReference), "io.k8s.api.core.v1.ObjectReference")]
    [InlineData(typeof(V1TopologySelectorTerm), "io.k8s.api.core.v1.TopologySelectorTerm")]
    [InlineData(typeof(Discoveryv1EndpointPort), "io.k8s.api.discovery.v1.EndpointPort")]
    [InlineData(typeof(V1Endpoint), "io.k8s.api.discovery.v1.Endpoint")]
    [InlineData(typeof(Rbacv1Subject), "io.k8s.api.rbac.v1.Subject")]
    [InlineData(typeof(V1PolicyRule), "io.k8s.api.rbac.v1.PolicyRule")]
    [InlineData(typeof(V1UserInfo), "io.k8s.api.authentication.v1.UserInfo")]
    [InlineData(typeof(V1ResourceAttributes), "io.k8s.api.authorization.v1.ResourceAttributes")]
    [InlineData(typeof(V1LeaseSpec), "io.k8s.api.coordination.v1.LeaseSpec")]
    [InlineData(typeof(ResourceQuantity), "io.k8s.apimachinery.pkg.api.resource.Quantity")]
    [InlineData(typeof(IntOrString), "io.k8s.apimachinery.pkg.util.intstr.IntOrString")]
    public void Find_ClientModel_ReturnsKubernetesDefinitionName(Type type, string expected)
    {
        Assert.Equal(expected, Names.Find(type));
    }

    [Theory]
    [InlineData("", "io.k8s.api.core")]
    [InlineData("apps", "io.k8s.api.apps")]
    [InlineData("rbac.authorization.k8s.io", "io.k8s.api.rbac")]
    [InlineData("apiextensions.k8s.io", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions")]
    public void GroupPackage_Group_ReturnsPackage(string group, string expected)
    {
        Assert.Equal(expected, DefinitionNames.GroupPackage(group));
    }
}
