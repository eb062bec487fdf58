namespace Capstan.Bench.Workloads.Measurement;

/// <summary>Latencies in milliseconds; percentiles by nearest rank.</summary>
public sealed class LatencySamples
{
    private readonly List<double> _ms = [];
    private bool _sorted = true;

    public int Count => _ms.Count;

    public void Add(double ms)
    {
        _ms.Add(ms);
        _sorted = false;
    }

    public void AddRange(IEnumerable<double> ms)
    {
        _ms.AddRange(ms);
        _sorted = false;
    }

    /// <param name="p">0..100</param>
    public double Percentile(double p)
    {
        if (_ms.Count == 0)
        {
            return double.NaN;
        }

        Sort();
        var rank = (int)Math.Ceiling(p / 100 * _ms.Count);
        return _ms[Math.Clamp(rank - 1, 0, _ms.Count - 1)];
    }

    public double Max => _ms.Count == 0 ? double.NaN : _ms.Max();

    public double Median => Percentile(50);

    private void Sort()
    {
        if (!_sorted)
        {
            _ms.Sort();
            _sorted = true;
        }
    }
}
