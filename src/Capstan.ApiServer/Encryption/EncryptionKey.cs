namespace Capstan.ApiServer.Encryption;

/// <summary>One AES-256 key of the ring; <see cref="Name"/> is written into every value it encrypts.</summary>
public sealed record EncryptionKey(string Name, byte[] Secret);
