using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.ApiServer.Security;

/// <summary>Reads and atomically writes the PKI's PEM files, keeping secrets at mode 0600.</summary>
internal static class PemFiles
{
    public const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void EnsureDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateDirectory);
        }
    }

    /// <summary>
    /// Writes <paramref name="contents"/> through a temporary file created with <paramref name="mode"/> and renamed
    /// into place, so that a crash never leaves a half-written key and the key is never readable by others, not even briefly.
    /// </summary>
    public static void WriteAtomically(string path, string contents, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        EnsureMode(path, mode);
    }

    /// <summary>Tightens an existing file's mode (an operator may have copied it in with a looser one).</summary>
    public static void EnsureMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != mode)
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>Loads a certificate and its ECDSA key, or null when either file is missing or unreadable.</summary>
    public static X509Certificate2? TryLoadWithKey(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static void Write(string certificatePath, string keyPath, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException($"Certificate {certificate.Subject} has no ECDSA private key.");
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), Secret);
        WriteAtomically(certificatePath, certificate.ExportCertificatePem(), Public);
    }
}
