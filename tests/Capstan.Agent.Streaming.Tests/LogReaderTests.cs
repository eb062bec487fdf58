using System.IO.Pipelines;
using System.Text;

namespace Capstan.Agent.Streaming.Tests;

public sealed class LogReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("capstan-logs-").FullName;

    private string LogPath => Path.Combine(_dir, "0.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Record(int second, string stream, string tag, string content) =>
        $"2026-11-25T10:00:{second:D2}.123456789Z {stream} {tag} {content}\n";

    private async Task<string> ReadAsync(LogOptions options)
    {
        var reader = new ContainerLogReader(LogPath, options, () => false, TimeSpan.FromMilliseconds(20));
        using var output = new MemoryStream();
        await reader.CopyToAsync(output, CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void TryParse_FullAndPartialRecords_SplitsTheFields()
    {
        Assert.True(CriLogLine.TryParse(Encoding.UTF8.GetBytes("2016-10-06T00:17:09.669794202Z stdout F hello world"), out var full));
        Assert.Equal("stdout", full.Stream);
        Assert.False(full.Partial);
        Assert.Equal("hello world", Encoding.UTF8.GetString(full.Content.Span));
        Assert.Equal(new DateTimeOffset(2016, 10, 6, 0, 17, 9, TimeSpan.Zero).AddTicks(6697942), full.Timestamp);

        Assert.True(CriLogLine.TryParse(Encoding.UTF8.GetBytes("2016-10-06T00:17:09.669794202Z stderr P "), out var partial));
        Assert.True(partial.Partial);
        Assert.Equal(0, partial.Content.Length);

        Assert.False(CriLogLine.TryParse(Encoding.UTF8.GetBytes("garbage"), out _));
        Assert.False(CriLogLine.TryParse(Encoding.UTF8.GetBytes("2016-10-06T00:17:09Z stdin F x"), out _));
    }

    [Theory]
    [InlineData("2016-10-06T00:17:09.669794202Z", "2016-10-06T00:17:09.669794202Z")]
    [InlineData("2016-10-06T00:17:09.669794200Z", "2016-10-06T00:17:09.6697942Z")]
    [InlineData("2016-10-06T00:17:09.000000000Z", "2016-10-06T00:17:09Z")]
    [InlineData("2016-10-06T02:17:09.5+02:00", "2016-10-06T00:17:09.5Z")]
    public void FormattedTimestamp_IsRfc3339NanoInUtc(string raw, string expected)
    {
        Assert.True(CriLogLine.TryParse(Encoding.UTF8.GetBytes(raw + " stdout F x"), out var line));
        Assert.Equal(expected, line.FormattedTimestamp);
    }

    [Fact]
    public async Task CopyToAsync_PartialRecords_AreJoinedPerStream()
    {
        await File.WriteAllTextAsync(LogPath,
            Record(1, "stdout", "P", "hel") + Record(2, "stderr", "F", "oops") + Record(3, "stdout", "F", "lo") + Record(4, "stdout", "F", "next"));
        Assert.Equal("oops\nhello\nnext\n", await ReadAsync(new LogOptions()));
    }

    [Fact]
    public async Task CopyToAsync_Timestamps_PrefixesTheFirstPiecesTime()
    {
        await File.WriteAllTextAsync(LogPath, Record(1, "stdout", "P", "a") + Record(2, "stdout", "F", "b"));
        Assert.Equal("2026-11-25T10:00:01.123456789Z ab\n", await ReadAsync(new LogOptions { Timestamps = true }));
    }

    [Fact]
    public async Task CopyToAsync_TailLines_KeepsTheLastLines()
    {
        await File.WriteAllTextAsync(LogPath, string.Concat(Enumerable.Range(1, 5).Select(i => Record(i, "stdout", "F", "line" + i))));
        Assert.Equal("line4\nline5\n", await ReadAsync(new LogOptions { TailLines = 2 }));
        Assert.Equal("", await ReadAsync(new LogOptions { TailLines = 0 }));
        Assert.Equal(5, (await ReadAsync(new LogOptions { TailLines = 50 })).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task CopyToAsync_Since_SkipsOlderLines()
    {
        await File.WriteAllTextAsync(LogPath, string.Concat(Enumerable.Range(1, 5).Select(i => Record(i, "stdout", "F", "line" + i))));
        var since = new DateTimeOffset(2026, 11, 25, 10, 0, 3, TimeSpan.Zero);
        Assert.Equal("line3\nline4\nline5\n", await ReadAsync(new LogOptions { Since = since }));
    }

    [Fact]
    public async Task CopyToAsync_LimitBytes_CutsTheOutput()
    {
        await File.WriteAllTextAsync(LogPath, Record(1, "stdout", "F", "abcdef") + Record(2, "stdout", "F", "ghij"));
        Assert.Equal("abcdef\ngh", await ReadAsync(new LogOptions { LimitBytes = 9 }));
    }

    [Fact]
    public async Task CopyToAsync_UnterminatedLastRecord_IsServed()
    {
        await File.WriteAllTextAsync(LogPath, Record(1, "stdout", "F", "one") + Record(2, "stdout", "F", "two").TrimEnd('\n'));
        Assert.Equal("one\ntwo\n", await ReadAsync(new LogOptions()));
    }

    [Fact]
    public async Task CopyToAsync_MissingFile_IsEmpty()
    {
        Assert.Equal("", await ReadAsync(new LogOptions()));
    }

    [Fact]
    public async Task CopyToAsync_Follow_ReadsNewLinesAcrossRotationUntilTheContainerExits()
    {
        await File.WriteAllTextAsync(LogPath, Record(1, "stdout", "F", "first"));
        var running = true;
        var pipe = new Pipe();
        var reader = new ContainerLogReader(LogPath, new LogOptions { Follow = true }, () => Volatile.Read(ref running), TimeSpan.FromMilliseconds(20));
        var copy = Task.Run(async () =>
        {
            await using var sink = pipe.Writer.AsStream();
            await reader.CopyToAsync(sink, CancellationToken.None);
        });
        using var lines = new StreamReader(pipe.Reader.AsStream());
        Assert.Equal("first", await lines.ReadLineAsync());

        await File.AppendAllTextAsync(LogPath, Record(2, "stdout", "F", "second"));
        Assert.Equal("second", await lines.ReadLineAsync());

        // Rotation as the runtime does it: the current file is renamed, a new one takes its place.
        await File.AppendAllTextAsync(LogPath, Record(3, "stdout", "F", "third"));
        File.Move(LogPath, LogPath + ".20261125-100003");
        await File.WriteAllTextAsync(LogPath, Record(4, "stdout", "F", "fourth"));
        Assert.Equal("third", await lines.ReadLineAsync());
        Assert.Equal("fourth", await lines.ReadLineAsync());

        await File.AppendAllTextAsync(LogPath, Record(5, "stdout", "F", "last"));
        Volatile.Write(ref running, false);
        await copy;
        Assert.Equal("last", await lines.ReadLineAsync());
        Assert.Null(await lines.ReadLineAsync());
    }
}
