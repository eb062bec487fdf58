using System.Text.Json.Nodes;
using Capstan.Api.Kinds.Core;
using Capstan.Api.Validation;

namespace Capstan.Api.Kinds.Batch;

public sealed class CronJobStrategy : KindStrategy
{
    /// <summary>Job names add an 11-character suffix to the CronJob's name and must stay DNS-1035 labels.</summary>
    public const int MaxNameLength = 52;

    public override string Group => "batch";

    public override string Kind => "CronJob";

    public override void Default(JsonObject obj)
    {
        var spec = obj.EnsureObj("spec");
        spec.SetDefaultString("concurrencyPolicy", "Allow");
        spec.SetDefault("suspend", false);
        spec.SetDefault("successfulJobsHistoryLimit", 3);
        spec.SetDefault("failedJobsHistoryLimit", 1);
        PodSpecDefaults.ApplyTemplate(spec.EnsureObj("jobTemplate").EnsureObj("spec"));
    }

    protected override void ValidateObject(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var schedule = spec.StrOrEmpty("schedule");
        if (schedule.Length == 0)
        {
            errs.Add(FieldError.Required("spec.schedule"));
        }
        else
        {
            if (!CronSchedule.TryParse(schedule, out _, out var error))
            {
                errs.Add(FieldError.Invalid("spec.schedule", schedule, error));
            }
        }

        errs.AddRange(FieldRules.NonNegative(spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds"));
        errs.AddRange(FieldRules.OneOf(spec, "concurrencyPolicy", "spec.concurrencyPolicy", true, "Allow", "Forbid", "Replace"));
        errs.AddRange(FieldRules.NonNegative(spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit"));
        errs.AddRange(FieldRules.NonNegative(spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit"));

        var jobTemplate = spec.Obj("jobTemplate") ?? new JsonObject();
        errs.AddRange(ObjectMetaValidation.ValidateTemplateMeta(jobTemplate.Obj("metadata"), "spec.jobTemplate.metadata"));
        var jobSpec = jobTemplate.Obj("spec") ?? new JsonObject();
        JobSpecValidation.Validate(jobSpec, "spec.jobTemplate.spec", requireSelector: false, errs);
        if (jobSpec.Has("selector"))
        {
            errs.Add(FieldError.Invalid("spec.jobTemplate.spec.selector", jobSpec["selector"], "`selector` will be auto-generated"));
        }

        if (jobSpec.Bool("manualSelector") == true)
        {
            errs.Add(FieldError.NotSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
        }
    }

    /// <summary>Kubernetes checks the name length on create only, so existing objects keep working.</summary>
    protected override void ValidateCreate(JsonObject obj, List<FieldError> errs)
    {
        var name = obj.Obj("metadata")?.StrOrEmpty("name") ?? "";
        if (name.Length > MaxNameLength)
        {
            errs.Add(FieldError.Invalid("metadata.name", name, $"must be no more than {MaxNameLength} characters"));
        }

        var spec = obj.Obj("spec") ?? new JsonObject();
        ValidateTzInSchedule(spec, allowTz: false, errs);
        ValidateTimeZone(spec, errs);
    }

    /// <summary>Schedules that already used TZ= keep working; the time zone is checked again only when it changes.</summary>
    protected override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        ValidateTzInSchedule(spec, oldSpec.StrOrEmpty("schedule").Contains("TZ", StringComparison.Ordinal), errs);
        if (!JsonAccess.SameAs(spec["timeZone"], oldSpec["timeZone"]))
        {
            ValidateTimeZone(spec, errs);
        }
    }

    private static void ValidateTzInSchedule(JsonObject spec, bool allowTz, List<FieldError> errs)
    {
        var schedule = spec.StrOrEmpty("schedule");
        if (!schedule.Contains("TZ", StringComparison.Ordinal))
        {
            return;
        }

        if (!allowTz)
        {
            errs.Add(FieldError.Invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        }
        else if (spec.Has("timeZone"))
        {
            errs.Add(FieldError.Invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
        }
    }

    private static void ValidateTimeZone(JsonObject spec, List<FieldError> errs)
    {
        if (!spec.Has("timeZone"))
        {
            return;
        }

        var zone = spec.StrOrEmpty("timeZone");
        if (zone.Length == 0)
        {
            errs.Add(FieldError.Invalid("spec.timeZone", zone, "timeZone must be nil or non-empty string"));
            return;
        }

        // IANA naming rules: components of letters, '.', '-', '_' (digits and '+' tolerated), at most 14 characters.
        if (zone.Split('/').Any(part => part is "." or ".." || part.StartsWith('-') || part.Length is 0 or > 14
            || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+')))
        {
            errs.Add(FieldError.Invalid("spec.timeZone", zone, $"unknown time zone {zone}"));
            return;
        }

        if (string.Equals(zone, "Local", StringComparison.OrdinalIgnoreCase))
        {
            errs.Add(FieldError.Invalid("spec.timeZone", zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
            return;
        }

        if (!IsKnownTimeZone(zone))
        {
            errs.Add(FieldError.Invalid("spec.timeZone", zone, $"unknown time zone {zone}"));
        }
    }

    private static bool IsKnownTimeZone(string zone)
    {
        if (zone == "UTC")
        {
            return true;
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(zone);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
