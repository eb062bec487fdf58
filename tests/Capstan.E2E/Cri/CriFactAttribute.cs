namespace Capstan.E2E.Cri;

/// <summary>A fact that needs root and containerd (CI has both); elsewhere it is skipped with the reason shown.</summary>
public sealed class CriFactAttribute : FactAttribute
{
    public CriFactAttribute()
    {
        if (CriCluster.UnavailableReason() is { } reason)
        {
            Skip = reason;
        }
    }
}
