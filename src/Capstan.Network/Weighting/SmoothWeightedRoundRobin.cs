namespace Capstan.Network.Weighting;

/// <summary>
/// Smooth weighted round robin (nginx's): each pick adds every choice's weight to its running score, takes the highest
/// and takes the total back from it. Over any run of <c>sum(weights)</c> picks each choice is taken exactly its weight's
/// number of times, and the picks are interleaved (weights 90/10 give one canary pick in every ten, not ten in a row),
/// which random choice does not promise over short runs. Thread-safe; a pick costs a short lock.
/// </summary>
public sealed class SmoothWeightedRoundRobin
{
    private readonly Lock _lock = new();
    private readonly int[] _weights;
    private readonly long[] _current;
    private readonly int _total;

    /// <param name="weights">Non-negative weights; a zero weight is never picked unless all are zero (then the choices take turns).</param>
    public SmoothWeightedRoundRobin(IReadOnlyList<int> weights)
    {
        _weights = weights.Select(w => Math.Max(0, w)).ToArray();
        if (_weights.Length > 0 && _weights.All(w => w == 0))
        {
            Array.Fill(_weights, 1);
        }

        _current = new long[_weights.Length];
        _total = _weights.Sum();
    }

    public IReadOnlyList<int> Weights => _weights;

    /// <summary>The index of the next choice; -1 when there are none.</summary>
    public int Next()
    {
        if (_weights.Length == 0)
        {
            return -1;
        }

        if (_weights.Length == 1)
        {
            return 0;
        }

        lock (_lock)
        {
            var best = 0;
            for (var i = 0; i < _weights.Length; i++)
            {
                _current[i] += _weights[i];
                if (_current[i] > _current[best])
                {
                    best = i;
                }
            }

            _current[best] -= _total;
            return best;
        }
    }
}
