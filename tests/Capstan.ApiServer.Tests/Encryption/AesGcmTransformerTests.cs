using System.Security.Cryptography;
using System.Text;
using Capstan.ApiServer.Encryption;

namespace Capstan.ApiServer.Tests.Encryption;

public sealed class AesGcmTransformerTests
{
    private const string Key = "/registry/core/secrets/default/db";

    [Fact]
    public void Encrypt_Value_HasKubernetesPrefixAndNoPlaintext()
    {
        var ring = EncryptionKeyRing.InMemory();
        var transformer = new AesGcmTransformer(ring);
        var plaintext = Encoding.UTF8.GetBytes("{\"data\":{\"password\":\"hunter2\"}}");

        var sealedValue = transformer.Encrypt(Key, plaintext);

        Assert.StartsWith($"k8s:enc:aesgcm:v1:{ring.Active.Name}:", Encoding.ASCII.GetString(sealedValue));
        Assert.Equal(-1, sealedValue.AsSpan().IndexOf("hunter2"u8));
        Assert.Equal(ring.Active.Name, AesGcmTransformer.KeyNameOf(sealedValue));
        Assert.Equal(plaintext, transformer.Decrypt(Key, sealedValue).ToArray());
    }

    [Fact]
    public void Encrypt_SameValueTwice_UsesFreshNonces()
    {
        var transformer = new AesGcmTransformer(EncryptionKeyRing.InMemory());

        Assert.NotEqual(transformer.Encrypt(Key, "x"u8), transformer.Encrypt(Key, "x"u8));
    }

    [Fact]
    public void Decrypt_UnderAnotherStorageKey_Fails()
    {
        var transformer = new AesGcmTransformer(EncryptionKeyRing.InMemory());
        var sealedValue = transformer.Encrypt(Key, "secret"u8);

        Assert.ThrowsAny<CryptographicException>(() => transformer.Decrypt("/registry/core/secrets/default/other", sealedValue));
    }

    [Fact]
    public void Decrypt_PlaintextValue_ReturnsItUnchanged()
    {
        var transformer = new AesGcmTransformer(EncryptionKeyRing.InMemory());
        var plaintext = "{\"kind\":\"Secret\"}"u8.ToArray();

        Assert.Null(AesGcmTransformer.KeyNameOf(plaintext));
        Assert.Equal(plaintext, transformer.Decrypt(Key, plaintext).ToArray());
    }

    [Fact]
    public void Decrypt_AfterRotation_ReadsOldAndWritesWithNewKey()
    {
        var ring = EncryptionKeyRing.InMemory();
        var transformer = new AesGcmTransformer(ring);
        var old = transformer.Encrypt(Key, "v1"u8);
        var oldKey = ring.Active.Name;

        var added = ring.Rotate(DateTimeOffset.UtcNow);

        Assert.NotEqual(oldKey, added.Name);
        Assert.Equal("v1"u8.ToArray(), transformer.Decrypt(Key, old).ToArray());
        Assert.Equal(added.Name, AesGcmTransformer.KeyNameOf(transformer.Encrypt(Key, "v2"u8)));
    }

    [Fact]
    public void Decrypt_KeyDropped_Throws()
    {
        var ring = EncryptionKeyRing.InMemory();
        var transformer = new AesGcmTransformer(ring);
        var old = transformer.Encrypt(Key, "v1"u8);
        ring.Rotate(DateTimeOffset.UtcNow);

        var dropped = ring.DropUnused(new HashSet<string>());

        Assert.Single(dropped);
        Assert.Throws<CryptographicException>(() => transformer.Decrypt(Key, old));
    }
}
