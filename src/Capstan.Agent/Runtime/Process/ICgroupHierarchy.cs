namespace Capstan.Agent.Runtime.Process;

/// <summary>Creates a container's cgroups with its limits (cgroup v1 or v2); the container's process joins them before exec.</summary>
internal interface ICgroupHierarchy
{
    /// <summary>The directories created (their cgroup.procs files are what the shim joins).</summary>
    IReadOnlyList<string> Create(string containerId, ContainerResources resources);
}
