namespace Capstan.Controllers.StatefulSet;

/// <summary>Pod names and ordinals of a StatefulSet: pod i is named "&lt;set&gt;-i".</summary>
public static class StatefulSetOrdinals
{
    public static string PodName(string setName, int ordinal) => $"{setName}-{ordinal}";

    /// <summary>The ordinal of a pod named "&lt;set&gt;-&lt;n&gt;", or -1 when the name does not have that shape.</summary>
    public static int Parse(string setName, string podName)
    {
        if (podName.Length <= setName.Length + 1 || !podName.StartsWith(setName + "-", StringComparison.Ordinal))
        {
            return -1;
        }

        var digits = podName.AsSpan(setName.Length + 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return -1;
            }
        }

        // Leading zeros would make two names for one ordinal.
        if (digits.Length > 1 && digits[0] == '0')
        {
            return -1;
        }

        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    /// <summary>
    /// The ordinals a RollingUpdate replaces, in the order it replaces them: from the highest down to <paramref name="partition"/>;
    /// ordinals below the partition keep the current revision.
    /// </summary>
    public static IEnumerable<int> UpdateOrder(int replicas, int partition)
    {
        for (var i = replicas - 1; i >= Math.Max(partition, 0); i--)
        {
            yield return i;
        }
    }
}
