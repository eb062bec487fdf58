namespace Capstan.Commands;

/// <summary>Where Capstan keeps its state: /var/lib/capstan as root, else ~/.local/share/capstan, unless --data-dir says otherwise.</summary>
public static class DataDirectory
{
    public static string Resolve(string? given)
    {
        if (!string.IsNullOrEmpty(given))
        {
            return Path.GetFullPath(given);
        }

        if (OperatingSystem.IsLinux() && Environment.UserName == "root")
        {
            return "/var/lib/capstan";
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "capstan");
    }
}
