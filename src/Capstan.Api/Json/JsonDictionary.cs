using System.Buffers;
using System.Collections.Concurrent;
using ZstdSharp;

namespace Capstan.Api.Json;

/// <summary>
/// A zstd dictionary trained on objects of one kind, and the (de)compressors that use it. Objects of one resource repeat
/// the same field names, defaults and managedFields sets, so with a dictionary of them a 4.4 KB pod compresses to ~150
/// bytes in ~5 µs and decompresses in ~1.5 µs (without one, Brotli gets only 3× at 30 µs).
/// Thread-safe: the native contexts are pooled, a few per core, and released by their finalizers once the dictionary
/// is dropped.
/// </summary>
public sealed class JsonDictionary
{
    /// <summary>zstd's default level: on Kubernetes objects as fast as level 1 and a little smaller.</summary>
    public const int Level = 3;

    private static readonly int MaxPooled = Environment.ProcessorCount * 2;

    private readonly byte[] _dictionary;
    private readonly ConcurrentBag<Compressor> _compressors = [];
    private readonly ConcurrentBag<Decompressor> _decompressors = [];
    private int _pooledCompressors;
    private int _pooledDecompressors;

    public JsonDictionary(byte[] dictionary)
    {
        _dictionary = dictionary;
    }

    /// <summary>The dictionary's size in bytes.</summary>
    public int Size => _dictionary.Length;

    /// <summary>Trains a dictionary of at most <paramref name="capacity"/> bytes on <paramref name="samples"/>; throws when zstd cannot (too few or too small samples).</summary>
    public static JsonDictionary Train(IReadOnlyCollection<byte[]> samples, int capacity) =>
        new(DictBuilder.TrainFromBuffer(samples, capacity));

    /// <summary>The compressed form of <paramref name="json"/>, in an array of exactly its size.</summary>
    public byte[] Compress(ReadOnlySpan<byte> json)
    {
        var compressor = RentCompressor();
        var buffer = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(json.Length));
        try
        {
            var length = compressor.Wrap(json, buffer);
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Return(_compressors, compressor, ref _pooledCompressors);
        }
    }

    /// <summary>Decompresses what <see cref="Compress"/> made into <paramref name="destination"/>; returns the length written.</summary>
    public int Decompress(ReadOnlySpan<byte> compressed, Span<byte> destination)
    {
        var decompressor = RentDecompressor();
        try
        {
            return decompressor.Unwrap(compressed, destination);
        }
        finally
        {
            Return(_decompressors, decompressor, ref _pooledDecompressors);
        }
    }

    private Compressor RentCompressor()
    {
        if (_compressors.TryTake(out var compressor))
        {
            Interlocked.Decrement(ref _pooledCompressors);
            return compressor;
        }

        compressor = new Compressor(Level);
        compressor.LoadDictionary(_dictionary);
        return compressor;
    }

    private Decompressor RentDecompressor()
    {
        if (_decompressors.TryTake(out var decompressor))
        {
            Interlocked.Decrement(ref _pooledDecompressors);
            return decompressor;
        }

        decompressor = new Decompressor();
        decompressor.LoadDictionary(_dictionary);
        return decompressor;
    }

    private static void Return<T>(ConcurrentBag<T> pool, T item, ref int pooled)
        where T : IDisposable
    {
        if (Interlocked.Increment(ref pooled) <= MaxPooled)
        {
            pool.Add(item);
            return;
        }

        Interlocked.Decrement(ref pooled);
        item.Dispose();
    }
}
