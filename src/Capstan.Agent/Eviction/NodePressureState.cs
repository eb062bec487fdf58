namespace Capstan.Agent.Eviction;

/// <summary>
/// The node's pressure conditions as the eviction manager decides them, read by the node status reporter; Changed fires
/// when either flips so the status is posted at once.
/// </summary>
public sealed class NodePressureState
{
    private volatile bool _memory;
    private volatile bool _disk;

    public event Action? Changed;

    public bool Memory => _memory;

    public bool Disk => _disk;

    /// <summary>Sets both; returns true (and raises Changed) when either changed.</summary>
    public bool Set(bool memory, bool disk)
    {
        if (_memory == memory && _disk == disk)
        {
            return false;
        }

        _memory = memory;
        _disk = disk;
        Changed?.Invoke();
        return true;
    }
}
