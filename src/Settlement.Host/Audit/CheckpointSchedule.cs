using System.Security.Cryptography;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Settlement.Ledger.Audit;
using Settlement.Ledger.Store;

namespace Settlement.Host.Audit;

/// <summary>
/// Signs a checkpoint of the chain head on a schedule, as the Hangfire recurring job <see cref="JobId"/>.
/// Hangfire keeps its state in the ledger's database, so with several hosts each occurrence is enqueued
/// once and runs on one worker of one host.
/// </summary>
public static class CheckpointSchedule
{
    public const string JobId = "chain-checkpoint";
    public const string Schema = LedgerStore.JobSchema;
    public const string KeyFileSetting = "Audit:CheckpointKeyFile";
    public const string CronSetting = "Audit:CheckpointCron";
    public const string DefaultCron = "*/10 * * * *";

    /// <summary>
    /// Schedules checkpoints when <see cref="KeyFileSetting"/> names the operator's key; otherwise no checkpoint job is registered.
    /// Each one signed is anchored in the database's directory under <see cref="AnchorLog.Setting"/> (by default ~/.settlement/anchors).
    /// </summary>
    /// <exception cref="InvalidDataException">When the key file is missing or holds no ECDSA private key.</exception>
    public static void AddCheckpointSchedule(this WebApplicationBuilder builder, Ledger.Ledger ledger)
    {
        if (builder.Configuration[KeyFileSetting] is not { Length: > 0 } keyFile) return;
        var key = LoadKey(keyFile);
        var cron = builder.Configuration[CronSetting] is { Length: > 0 } configured ? configured : DefaultCron;
        // Without a database name its checkpoints would have no anchor directory.
        var anchors = AnchorLog.For(ledger.DatabaseName, builder.Configuration[AnchorLog.Setting]);

        builder.Services.AddSingleton(services => new CheckpointJob(ledger, key, anchors, services.GetRequiredService<ILogger<CheckpointJob>>()));
        builder.Services.AddHostedService(services => new Registration(services.GetRequiredService<IRecurringJobManager>(), cron));
    }

    private static ECDsa LoadKey(string path)
    {
        if (!File.Exists(path))
            throw new InvalidDataException($"{KeyFileSetting} names {path}, which does not exist (create the operator's key with `settle signing-key create --out {path}`).");
        try
        {
            return CheckpointKeys.LoadPrivate(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{KeyFileSetting}: {e.Message}", e);
        }
    }

    /// <summary>Registers (or updates) the recurring job when the host starts; every host does, to the same definition.</summary>
    private sealed class Registration(IRecurringJobManager jobs, string cron) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            try
            {
                jobs.AddOrUpdate<CheckpointJob>(JobId, job => job.SignAsync(CancellationToken.None), cron,
                    new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{CronSetting} '{cron}' is not a cron expression (minute hour day month weekday, optionally seconds first): {e.Message}", e);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
