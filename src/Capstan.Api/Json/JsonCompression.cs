namespace Capstan.Api.Json;

/// <summary>
/// Packs the objects of one resource for a long-lived cache (the API server's watch cache, an informer's cache). Until it
/// has a dictionary it keeps objects as they are and takes them as training samples; once it has seen enough
/// (<see cref="SampleCount"/> objects and <see cref="SampleBytesPerDictionaryByte"/> times the dictionary's size in
/// bytes) it trains a <see cref="JsonDictionary"/> in the background and compresses everything after that. When the
/// objects drift away from what the dictionary knows (the packed size of recent objects doubles against what the
/// samples packed to), it samples and trains again. Each new dictionary is announced through the callback, so the
/// owner can pack what it already holds with it; objects packed with an older one stay readable.
/// Thread-safe.
/// </summary>
public sealed class JsonCompression
{
    public const int SampleCount = 256;

    /// <summary>zstd trains poorly on less sample data than about ten times the dictionary's size.</summary>
    public const int SampleBytesPerDictionaryByte = 8;

    /// <summary>Sampling stops here whatever the bytes: many small objects then get a smaller dictionary.</summary>
    public const int MaxSampleCount = 4096;

    public const int MaxDictionarySize = 16 * 1024;

    /// <summary>Objects between two checks of how well the current dictionary still does.</summary>
    public const int DriftWindow = 1024;

    private const int MinDictionarySize = 1024;

    private const int MaxFailures = 3;

    private readonly Lock _lock = new();
    private readonly Action<JsonDictionary>? _trained;
    private readonly bool _background;
    private JsonDictionary? _dictionary;
    private List<byte[]>? _samples = [];
    private long _sampleBytes;
    private Task? _training;
    private double _trainedRatio;
    private long _windowRaw;
    private long _windowPacked;
    private int _windowCount;
    private int _failures;

    /// <param name="trained">Called, off the packing thread, each time a new dictionary is in use.</param>
    /// <param name="background">Train on the thread pool (false: on the packing thread, for tests).</param>
    public JsonCompression(Action<JsonDictionary>? trained = null, bool background = true)
    {
        _trained = trained;
        _background = background;
    }

    /// <summary>The dictionary new objects are packed with; null until the first one is trained.</summary>
    public JsonDictionary? Dictionary => Volatile.Read(ref _dictionary);

    /// <summary>The training under way, if any (tests and diagnostics wait on it).</summary>
    public Task Training
    {
        get
        {
            lock (_lock)
            {
                return _training ?? Task.CompletedTask;
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="json"/>, which the caller hands over: it may be kept as is or as a training sample, so
    /// it must never be changed afterwards.
    /// </summary>
    public PackedJson Pack(byte[] json)
    {
        var dictionary = Volatile.Read(ref _dictionary);
        if (dictionary is null)
        {
            Sample(json);
            return new PackedJson(json);
        }

        var packed = Compress(dictionary, json);
        if (Observe(json.Length, packed.PackedLength))
        {
            Sample(json);
        }

        return packed;
    }

    /// <summary>
    /// <paramref name="packed"/> packed with the current dictionary: as it is when it already is, or has no dictionary
    /// to move to. Not taken as a sample.
    /// </summary>
    public PackedJson Repack(PackedJson packed)
    {
        var dictionary = Volatile.Read(ref _dictionary);
        if (dictionary is null || ReferenceEquals(packed.Dictionary, dictionary))
        {
            return packed;
        }

        using var json = packed.Rent();
        return Compress(dictionary, json.Span);
    }

    private static PackedJson Compress(JsonDictionary dictionary, ReadOnlySpan<byte> json)
    {
        var compressed = dictionary.Compress(json);

        // Compression that saves nothing (tiny or random content) keeps the JSON itself: no decompression to read it.
        return compressed.Length < json.Length ? new PackedJson(compressed, json.Length, dictionary) : new PackedJson(json.ToArray());
    }

    private void Sample(byte[] json)
    {
        List<byte[]> samples;
        long bytes;
        lock (_lock)
        {
            if (_samples is null || _training is { IsCompleted: false })
            {
                return;
            }

            _samples.Add(json);
            _sampleBytes += json.Length;

            // After a failed training, twice as many samples before the next try.
            var enough = _samples.Count >= (SampleCount << _failures) && _sampleBytes >= (long)MaxDictionarySize * SampleBytesPerDictionaryByte;
            if (!enough && _samples.Count < MaxSampleCount)
            {
                return;
            }

            samples = _samples;
            bytes = _sampleBytes;
            _samples = null;
            _training = _background ? Task.Run(() => Train(samples, bytes)) : null;
        }

        if (!_background)
        {
            Train(samples, bytes);
        }
    }

    private void Train(List<byte[]> samples, long bytes)
    {
        var size = (int)Math.Min(bytes / SampleBytesPerDictionaryByte, MaxDictionarySize);
        JsonDictionary? dictionary = null;
        if (size >= MinDictionarySize)
        {
            try
            {
                dictionary = JsonDictionary.Train(samples, size);
            }
            catch (Exception ex) when (ex is ZstdSharp.ZstdException or ArgumentException)
            {
                // Samples zstd cannot learn from (too uniform or too few): the objects stay as they are.
            }
        }

        if (dictionary is null)
        {
            lock (_lock)
            {
                // Sampling goes on (up to MaxFailures tries), or stops for good: the objects stay as they are.
                if (++_failures < MaxFailures && samples.Count < MaxSampleCount)
                {
                    _samples = samples;
                    _sampleBytes = bytes;
                }
            }

            return;
        }

        long raw = 0, packed = 0;
        foreach (var sample in samples)
        {
            raw += sample.Length;
            packed += Math.Min(sample.Length, dictionary.Compress(sample).Length);
        }

        lock (_lock)
        {
            _trainedRatio = (double)raw / Math.Max(1, packed);
            _windowRaw = _windowPacked = _windowCount = 0;
            _failures = 0;
            Volatile.Write(ref _dictionary, dictionary);
        }

        _trained?.Invoke(dictionary);
    }

    // Counts one packed object; every DriftWindow objects, compares how well the dictionary packed them with how well it
    // packed its samples. True while the newest objects are being taken as samples for the next dictionary.
    private bool Observe(int rawLength, int packedLength)
    {
        lock (_lock)
        {
            _windowRaw += rawLength;
            _windowPacked += packedLength;
            if (++_windowCount >= DriftWindow)
            {
                var ratio = (double)_windowRaw / Math.Max(1, _windowPacked);
                _windowRaw = _windowPacked = _windowCount = 0;
                if (ratio * 2 < _trainedRatio && _samples is null && _failures < MaxFailures && _training is not { IsCompleted: false })
                {
                    _samples = [];
                    _sampleBytes = 0;
                }
            }

            return _samples is not null;
        }
    }
}
