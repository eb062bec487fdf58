using Capstan.Agent.Runtime.Process;

namespace Capstan.Agent.Runtime.Tests.Runtime.Process;

public sealed class ProcStatTests
{
    [Fact]
    public void StartTime_OwnProcess_Field22OfItsStat()
    {
        var pid = Environment.ProcessId;
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var expected = long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19]);

        Assert.Equal(expected, ProcStat.StartTime(pid));
        Assert.True(ProcStat.IsAlive(pid, expected));
        Assert.False(ProcStat.IsAlive(pid, expected + 1));
    }

    [Fact]
    public void StartTime_NoSuchProcess_Null()
    {
        Assert.Null(ProcStat.StartTime(int.MaxValue));
        Assert.Null(ProcStat.StartTime(0));
    }
}
