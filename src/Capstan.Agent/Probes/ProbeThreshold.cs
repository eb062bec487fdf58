namespace Capstan.Agent.Probes;

/// <summary>
/// Turns single probe outcomes into the probe's result: it flips to Success after successThreshold consecutive
/// successes and to Failure after failureThreshold consecutive failures, and keeps its last result in between.
/// </summary>
public sealed class ProbeThreshold(int successThreshold, int failureThreshold, ProbeResult initial)
{
    private readonly int _successThreshold = Math.Max(1, successThreshold);
    private readonly int _failureThreshold = Math.Max(1, failureThreshold);
    private int _successes;
    private int _failures;

    public ProbeResult Current { get; private set; } = initial;

    /// <summary>Records one outcome; returns true when the result changed.</summary>
    public bool Record(ProbeResult outcome)
    {
        if (outcome == ProbeResult.Success)
        {
            _failures = 0;
            _successes++;
            if (_successes >= _successThreshold && Current != ProbeResult.Success)
            {
                Current = ProbeResult.Success;
                return true;
            }
        }
        else
        {
            _successes = 0;
            _failures++;
            if (_failures >= _failureThreshold && Current != ProbeResult.Failure)
            {
                Current = ProbeResult.Failure;
                return true;
            }
        }

        return false;
    }

    /// <summary>After a liveness restart the counters start over.</summary>
    public void Reset(ProbeResult result)
    {
        _successes = 0;
        _failures = 0;
        Current = result;
    }
}
