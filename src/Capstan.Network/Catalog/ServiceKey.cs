namespace Capstan.Network.Catalog;

public readonly record struct ServiceKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
