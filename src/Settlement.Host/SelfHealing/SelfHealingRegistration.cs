using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Settlement.Host.SelfHealing;

public static class SelfHealingRegistration
{
    /// <summary>
    /// The runner and the deadline job on every host (Hangfire hands a deadline to whichever host takes it); the
    /// self-healer and the minutely sweep of lost deadlines where <paramref name="run"/> (the setting SelfHealing:Run).
    /// </summary>
    public static void AddSelfHealing(this WebApplicationBuilder builder, bool run)
    {
        builder.Services.AddSingleton<IncidentRunner>();
        builder.Services.AddTransient<IncidentDeadlineJob>();
        if (!run) return;
        builder.Services.AddHostedService<SelfHealer>();
        builder.Services.AddRecurringJob(jobs => jobs.AddOrUpdate<IncidentDeadlineJob>(IncidentDeadlineJob.SweepJobId,
            job => job.SweepAsync(CancellationToken.None), Cron.Minutely(), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc }));
    }
}
