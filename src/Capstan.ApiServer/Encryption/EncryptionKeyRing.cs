using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capstan.ApiServer.Security;

namespace Capstan.ApiServer.Encryption;

/// <summary>
/// The secret-encryption keys, kept in one file of the data dir (mode 0600). The first key is the write key; the others
/// only decrypt values written before a rotation, until a re-encryption leaves them unused and they are dropped.
/// Changes replace an immutable snapshot, so readers never lock.
/// </summary>
public sealed class EncryptionKeyRing
{
    public const string FileName = "encryption-keys.json";

    private readonly string? _path;
    private readonly Lock _writeLock = new();
    private volatile IReadOnlyList<EncryptionKey> _keys;

    private EncryptionKeyRing(string? path, IReadOnlyList<EncryptionKey> keys)
    {
        _path = path;
        _keys = keys;
    }

    /// <summary>The keys, write key first.</summary>
    public IReadOnlyList<EncryptionKey> Keys => _keys;

    public EncryptionKey Active => _keys[0];

    /// <summary>Loads the ring from <paramref name="dataDir"/>, creating it with one fresh key at first start.</summary>
    public static EncryptionKeyRing LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            PemFiles.EnsureMode(path, PemFiles.Secret);
            return new EncryptionKeyRing(path, Parse(File.ReadAllText(path), path));
        }

        var ring = new EncryptionKeyRing(path, [NewKey(DateTimeOffset.UtcNow)]);
        ring.Save(ring._keys);
        return ring;
    }

    /// <summary>A ring that lives only in memory (tests, benchmarks).</summary>
    public static EncryptionKeyRing InMemory(params EncryptionKey[] keys) =>
        new(null, keys.Length == 0 ? [NewKey(DateTimeOffset.UtcNow)] : keys);

    public EncryptionKey? Find(string name)
    {
        foreach (var key in _keys)
        {
            if (key.Name == name)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Adds a fresh key as the write key; the previous keys stay for reading.</summary>
    public EncryptionKey Rotate(DateTimeOffset now)
    {
        lock (_writeLock)
        {
            var key = NewKey(now);
            while (Find(key.Name) is not null)
            {
                key = NewKey(now);
            }

            var keys = new List<EncryptionKey>(_keys.Count + 1) { key };
            keys.AddRange(_keys);
            Save(keys);
            _keys = keys;
            return key;
        }
    }

    /// <summary>Removes the read-only keys not in <paramref name="inUse"/>; the write key always stays. Returns the names dropped.</summary>
    public IReadOnlyList<string> DropUnused(IReadOnlySet<string> inUse)
    {
        lock (_writeLock)
        {
            var keys = _keys.Where((k, i) => i == 0 || inUse.Contains(k.Name)).ToList();
            var dropped = _keys.Where(k => !keys.Contains(k)).Select(k => k.Name).ToList();
            if (dropped.Count > 0)
            {
                Save(keys);
                _keys = keys;
            }

            return dropped;
        }
    }

    private static EncryptionKey NewKey(DateTimeOffset now) =>
        new($"key-{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}", RandomNumberGenerator.GetBytes(32));

    private void Save(IReadOnlyList<EncryptionKey> keys)
    {
        if (_path is null)
        {
            return;
        }

        var doc = new JsonObject
        {
            ["keys"] = new JsonArray(keys.Select(k => (JsonNode)new JsonObject
            {
                ["name"] = k.Name,
                ["secret"] = Convert.ToBase64String(k.Secret),
            }).ToArray()),
        };
        PemFiles.WriteAtomically(_path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", PemFiles.Secret);
    }

    private static List<EncryptionKey> Parse(string text, string path)
    {
        var keys = new List<EncryptionKey>();
        try
        {
            foreach (var node in JsonNode.Parse(text)?["keys"]?.AsArray() ?? [])
            {
                var name = node?["name"]?.GetValue<string>() ?? "";
                var secret = Convert.FromBase64String(node?["secret"]?.GetValue<string>() ?? "");
                if (name.Length == 0 || name.Contains(':', StringComparison.Ordinal) || secret.Length != 32)
                {
                    throw new InvalidDataException($"{path}: every key needs a name without ':' and a 32-byte base64 secret");
                }

                keys.Add(new EncryptionKey(name, secret));
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a valid encryption key file: {ex.Message}", ex);
        }

        if (keys.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no encryption key");
        }

        return keys;
    }
}
