using SysProcess = System.Diagnostics.Process;
using SysProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

/// <summary>
/// The scripts leave out strict and warnings (loading them costs a third of perl's start-up, paid per container): they
/// are checked here instead.
/// </summary>
public sealed class ShimScriptsTests
{
    public static TheoryData<string> Scripts => new() { nameof(ShimScripts.Shim), nameof(ShimScripts.PodInit), nameof(ShimScripts.Exec) };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_CompiledUnderStrictAndWarnings_HasNoErrors(string name)
    {
        var text = name switch
        {
            nameof(ShimScripts.Shim) => ShimScripts.Shim,
            nameof(ShimScripts.PodInit) => ShimScripts.PodInit,
            _ => ShimScripts.Exec,
        };
        var path = Path.Combine(Path.GetTempPath(), $"capstan-{name}-{Guid.NewGuid():N}.pl");
        await File.WriteAllTextAsync(path, text);
        try
        {
            var info = new SysProcessStartInfo("perl") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "-Mstrict", "-Mwarnings", "-c", path })
            {
                info.ArgumentList.Add(arg);
            }

            using var perl = SysProcess.Start(info)!;
            var stderr = await perl.StandardError.ReadToEndAsync();
            await perl.WaitForExitAsync();

            Assert.True(perl.ExitCode == 0, stderr);
            Assert.Contains("syntax OK", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
