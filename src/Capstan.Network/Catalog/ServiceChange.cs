namespace Capstan.Network.Catalog;

/// <summary>A service appeared (Old null), changed, or went away (New null).</summary>
public sealed record ServiceChange(ServiceKey Key, ServiceView? Old, ServiceView? New);
