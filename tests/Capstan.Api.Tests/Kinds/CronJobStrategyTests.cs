using System.Text.Json.Nodes;
using Capstan.Api.Kinds;
using Capstan.Api.Kinds.Batch;

namespace Capstan.Api.Tests.Kinds;

public sealed class CronJobStrategyTests
{
    private static readonly IKindStrategy Strategy = KindStrategies.Find("batch", "CronJob")!;

    private static JsonObject CronJob(string extra, string name = "nightly")
    {
        var obj = Json.Parse("""{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":""" + $"\"{name}\"" + ""","namespace":"default"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"b:1"}]}}}}""" + extra + "}}");
        Strategy.Default(obj);
        return obj;
    }

    [Theory]
    [InlineData("spec.concurrencyPolicy", "\"Allow\"")]
    [InlineData("spec.suspend", "false")]
    [InlineData("spec.successfulJobsHistoryLimit", "3")]
    [InlineData("spec.failedJobsHistoryLimit", "1")]
    [InlineData("spec.jobTemplate.spec.template.spec.dnsPolicy", "\"ClusterFirst\"")]
    public void Default_GetsDefaults(string path, string expected)
    {
        var cj = CronJob(""","schedule":"*/5 * * * *" """);
        Assert.Equal(expected, Json.Text(cj, path));
        Assert.Empty(Strategy.Validate(cj, null));
    }

    [Theory]
    [InlineData("@hourly")]
    [InlineData("@daily")]
    [InlineData("@every 1h30m")]
    [InlineData("0 0 * * SUN")]
    [InlineData("0 9-17/2 1,15 jan-jun mon-fri")]
    [InlineData("? * * * *")]
    public void Validate_GoodSchedule_NoErrors(string schedule) =>
        Assert.Empty(Strategy.Validate(CronJob($",\"schedule\":\"{schedule}\""), null));

    [Theory]
    [InlineData("", "spec.schedule:FieldValueRequired")]
    [InlineData("* * * *", "spec.schedule:FieldValueInvalid")]
    [InlineData("60 * * * *", "spec.schedule:FieldValueInvalid")]
    [InlineData("@fortnightly", "spec.schedule:FieldValueInvalid")]
    [InlineData("TZ=UTC 0 * * * *", "spec.schedule:FieldValueInvalid")]
    public void Validate_BadSchedule(string schedule, string expected) =>
        Assert.Contains(expected, Json.Fields(Strategy.Validate(CronJob($",\"schedule\":\"{schedule}\""), null)));

    [Fact]
    public void Validate_BadSchedule_CronLibraryMessage() =>
        Assert.Equal("spec.schedule: Invalid value: \"60 * * * *\": end of range (60) above maximum (59): 60",
            Assert.Single(Strategy.Validate(CronJob(",\"schedule\":\"60 * * * *\""), null)).ToString());

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus", false)]
    [InlineData("Local", false)]
    [InlineData("", false)]
    public void Validate_TimeZone(string zone, bool valid) =>
        Assert.Equal(valid, !Strategy.Validate(CronJob($",\"schedule\":\"@daily\",\"timeZone\":\"{zone}\""), null).Any());

    [Fact]
    public void ValidateUpdate_ExistingTzSchedule_StillAllowed()
    {
        var old = CronJob(""","schedule":"CRON_TZ=UTC 0 * * * *" """);
        var cj = CronJob(""","schedule":"CRON_TZ=UTC 5 * * * *" """);
        Assert.Empty(Strategy.Validate(cj, old));
        Assert.Contains("spec.schedule:FieldValueInvalid", Json.Fields(Strategy.Validate(cj, null)));
    }

    [Fact]
    public void Validate_ConcurrencyPolicyUnknown_NotSupported() =>
        Assert.Contains("spec.concurrencyPolicy:FieldValueNotSupported",
            Json.Fields(Strategy.Validate(CronJob(""","schedule":"@daily","concurrencyPolicy":"Sometimes" """), null)));

    [Fact]
    public void Validate_NameLongerThan52_InvalidOnCreateOnly()
    {
        var cj = CronJob(""","schedule":"@daily" """, new string('a', 53));
        Assert.Equal(["metadata.name:FieldValueInvalid"], Json.Fields(Strategy.Validate(cj, null)));
        Assert.Empty(Strategy.Validate(cj, cj));
    }

    [Fact]
    public void Validate_JobTemplateSelector_Invalid()
    {
        var cj = CronJob(""","schedule":"@daily" """);
        cj["spec"]!["jobTemplate"]!["spec"]!["selector"] = new JsonObject();
        Assert.Equal(["spec.jobTemplate.spec.selector:FieldValueInvalid"], Json.Fields(Strategy.Validate(cj, null)));
    }

    [Theory]
    [InlineData("*/15 * * * *", 0b1000000000000001000000000000001000000000000001UL)]
    [InlineData("5-7 * * * *", 0b11100000UL)]
    public void CronSchedule_Minutes(string text, ulong minutes)
    {
        Assert.True(CronSchedule.TryParse(text, out var schedule, out _));
        Assert.Equal(minutes, schedule!.Minutes);
    }

    [Fact]
    public void CronSchedule_WrongFieldCount_Message()
    {
        Assert.False(CronSchedule.TryParse("* * *", out _, out var error));
        Assert.Equal("expected exactly 5 fields, found 3: [* * *]", error);
    }
}
