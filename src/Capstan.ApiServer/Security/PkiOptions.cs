namespace Capstan.ApiServer.Security;

/// <summary>What <see cref="ClusterPki.LoadOrCreate"/> needs to know about the server it secures.</summary>
public sealed record PkiOptions
{
    /// <summary>The API server's port, written into kubeconfig.yaml as <c>https://127.0.0.1:&lt;port&gt;</c>.</summary>
    public int Port { get; init; } = 6443;

    /// <summary>Further subject alternative names for the serving certificate: IP addresses or DNS names.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    /// <summary>The host name put into the serving certificate; <see cref="System.Net.Dns.GetHostName"/> when null.</summary>
    public string? HostName { get; init; }

    /// <summary>
    /// Validity of newly issued leaf certificates (serving, admin, apiserver-kubelet-client); they are renewed once less
    /// than a third of it remains. Short values (`capstan server --certificate-validity`) let tests watch a renewal.
    /// </summary>
    public TimeSpan LeafValidity { get; init; } = ClusterPki.DefaultLeafValidity;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
