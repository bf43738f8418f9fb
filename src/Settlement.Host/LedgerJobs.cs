using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Settlement.Ledger.Store;

namespace Settlement.Host;

/// <summary>
/// Hangfire on the ledger's own database, for the work that must happen once per occurrence across hosts and
/// survive a restart: signed checkpoints, OCPI pushes and their retries. Its tables were made by the ledger's
/// migration; the application role could not.
/// </summary>
public static class LedgerJobs
{
    public static void AddLedgerJobs(this WebApplicationBuilder builder, Ledger.Ledger ledger)
    {
        builder.Services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(storage => storage.UseConnectionFactory(ledger.JobStorageConnections()),
                new PostgreSqlStorageOptions
                {
                    SchemaName = LedgerStore.JobSchema,
                    PrepareSchemaIfNecessary = false,
                    // A push queued is sent within a second, not after the default 15 s poll.
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                }));
        builder.Services.AddHangfireServer(server =>
        {
            // Jobs wait on partners and the database, not the CPU; two keep one slow partner from holding up the rest.
            server.WorkerCount = 2;
            // Retries and second-precision crons are due to the second.
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        // Hangfire's start-up and polling lines; what each job did is logged by the job itself.
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
    }

    /// <summary>Registers (or updates) a recurring job when the host starts; every host does, to the same definition.</summary>
    public static void AddRecurringJob(this IServiceCollection services, Action<IRecurringJobManager> register) =>
        services.AddHostedService(provider => new Registration(provider.GetRequiredService<IRecurringJobManager>(), register));

    private sealed class Registration(IRecurringJobManager jobs, Action<IRecurringJobManager> register) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            register(jobs);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
