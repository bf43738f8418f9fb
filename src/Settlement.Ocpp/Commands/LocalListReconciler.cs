using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Settlement.Ocpp.Commands;

/// <summary>
/// Every <see cref="OcppOptions.LocalListSyncSeconds"/>, brings the local lists of the chargers connected to this host up
/// to the registry's version: a differential update reaches only the chargers of the host that changed the token,
/// so without this a charger on another host would learn of a blocked card only at its next boot.
/// </summary>
public sealed class LocalListReconciler(LocalLists lists, OcppOptions options, ILogger<LocalListReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.SendLocalLists) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.LocalListSyncSeconds)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await lists.ReconcileAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not bring the chargers' local authorisation lists up to date; trying again in {Seconds} s", options.LocalListSyncSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
