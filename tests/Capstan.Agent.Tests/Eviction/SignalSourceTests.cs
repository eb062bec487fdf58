using Capstan.Agent.Eviction;

namespace Capstan.Agent.Tests.Eviction;

public sealed class SignalSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capstan-eviction-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadMemory_MemInfo_AvailableOfTotalInBytes()
    {
        var path = Path.Combine(_dir, "meminfo");
        File.WriteAllLines(path, ["MemTotal:       24684084 kB", "MemFree:         1000000 kB", "MemAvailable:   21633664 kB"]);

        var memory = MachineSignalSource.ReadMemory(path);

        Assert.Equal(new SignalObservation(21633664L * 1024, 24684084L * 1024), memory);
    }

    [Fact]
    public void Observe_RealMachine_HasMemoryAndDataDirFileSystem()
    {
        var observed = new MachineSignalSource(_dir).Observe();

        Assert.True(observed[EvictionSignal.MemoryAvailable].Capacity > 0);
        var fs = observed[EvictionSignal.NodeFsAvailable];
        Assert.InRange(fs.Available, 1, fs.Capacity);
        Assert.True(observed[EvictionSignal.NodeFsInodesFree].Capacity > 0);
        Assert.Equal(fs, observed[EvictionSignal.ImageFsAvailable]);
    }

    [Fact]
    public void FileSignalSource_OverridesNamedSignalKeepingCapacity()
    {
        var path = Path.Combine(_dir, "signals");
        File.WriteAllLines(path, ["memory.available=50Mi", "junk", "nodefs.available=oops"]);
        var machine = new FixedSignals(new() { [EvictionSignal.MemoryAvailable] = new(4L << 30, 8L << 30), [EvictionSignal.NodeFsAvailable] = new(5, 10) });

        var observed = new FileSignalSource(path, machine).Observe();

        Assert.Equal(new SignalObservation(50L << 20, 8L << 30), observed[EvictionSignal.MemoryAvailable]);
        Assert.Equal(new SignalObservation(5, 10), observed[EvictionSignal.NodeFsAvailable]);
    }

    [Fact]
    public void FileSignalSource_MissingFile_MachineValues()
    {
        var machine = new FixedSignals(new() { [EvictionSignal.MemoryAvailable] = new(4L << 30, 8L << 30) });

        var observed = new FileSignalSource(Path.Combine(_dir, "absent"), machine).Observe();

        Assert.Equal(new SignalObservation(4L << 30, 8L << 30), observed[EvictionSignal.MemoryAvailable]);
    }
}
