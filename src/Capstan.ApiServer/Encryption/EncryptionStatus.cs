namespace Capstan.ApiServer.Encryption;

/// <summary>What `capstan secrets-encrypt status` prints: the write key and how many stored objects each key (or none) protects.</summary>
/// <param name="ActiveKey">The key new writes use.</param>
/// <param name="ObjectsPerKey">Every key of the ring, write key first, with the number of stored objects encrypted with it.</param>
/// <param name="Plaintext">Objects of encrypted resources still stored unencrypted (written before encryption was on).</param>
/// <param name="Resources">The storage prefixes of the encrypted resources.</param>
public sealed record EncryptionStatus(string ActiveKey, IReadOnlyList<KeyValuePair<string, long>> ObjectsPerKey, long Plaintext, IReadOnlyList<string> Resources);
