using System.Security.Cryptography;
using System.Text;

namespace Capstan.ApiServer.Encryption;

/// <summary>
/// Encrypts stored values with AES-256-GCM in Kubernetes' envelope format:
/// <c>k8s:enc:aesgcm:v1:&lt;key name&gt;:</c> + 12-byte nonce + ciphertext + 16-byte tag. The storage key is the
/// associated data, so a value copied under another key does not decrypt. Values without the prefix are plaintext
/// (written before encryption was turned on) and are read as they are.
/// </summary>
public sealed class AesGcmTransformer(EncryptionKeyRing keys)
{
    public const string Prefix = "k8s:enc:aesgcm:v1:";

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] s_prefix = Encoding.ASCII.GetBytes(Prefix);

    public EncryptionKeyRing Keys => keys;

    public byte[] Encrypt(string storageKey, ReadOnlySpan<byte> plaintext)
    {
        var key = keys.Active;
        var header = s_prefix.Length + Encoding.ASCII.GetByteCount(key.Name) + 1;
        var result = new byte[header + NonceSize + plaintext.Length + TagSize];
        s_prefix.CopyTo(result, 0);
        Encoding.ASCII.GetBytes(key.Name, result.AsSpan(s_prefix.Length));
        result[header - 1] = (byte)':';
        var nonce = result.AsSpan(header, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var cipher = result.AsSpan(header + NonceSize, plaintext.Length);
        var tag = result.AsSpan(header + NonceSize + plaintext.Length, TagSize);
        using var aes = new AesGcm(key.Secret, TagSize);
        aes.Encrypt(nonce, plaintext, cipher, tag, AssociatedData(storageKey));
        return result;
    }

    /// <summary>The name of the key a stored value was encrypted with, or null for a plaintext value.</summary>
    public static string? KeyNameOf(ReadOnlySpan<byte> stored)
    {
        if (!stored.StartsWith(s_prefix))
        {
            return null;
        }

        var rest = stored[s_prefix.Length..];
        var colon = rest.IndexOf((byte)':');
        return colon <= 0 ? null : Encoding.ASCII.GetString(rest[..colon]);
    }

    public ReadOnlyMemory<byte> Decrypt(string storageKey, ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (!span.StartsWith(s_prefix))
        {
            return stored;
        }

        var name = KeyNameOf(span) ?? throw new CryptographicException($"stored value of {storageKey} has a malformed encryption header");
        var key = keys.Find(name)
            ?? throw new CryptographicException($"stored value of {storageKey} is encrypted with key {name}, which is not in the key ring");
        var header = s_prefix.Length + Encoding.ASCII.GetByteCount(name) + 1;
        if (span.Length < header + NonceSize + TagSize)
        {
            throw new CryptographicException($"stored value of {storageKey} is too short to be encrypted data");
        }

        var body = span[header..];
        var cipherLength = body.Length - NonceSize - TagSize;
        var plaintext = new byte[cipherLength];
        using var aes = new AesGcm(key.Secret, TagSize);
        aes.Decrypt(body[..NonceSize], body.Slice(NonceSize, cipherLength), body[(NonceSize + cipherLength)..], plaintext, AssociatedData(storageKey));
        return plaintext;
    }

    private static byte[] AssociatedData(string storageKey) => Encoding.UTF8.GetBytes(storageKey);
}
