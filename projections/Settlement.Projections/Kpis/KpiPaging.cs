using JasperFx.Events.Projections;

namespace Settlement.Projections.Kpis;

/// <summary>
/// KPI projections fold many small events into few documents: large pages and writes deferred across
/// pages during a rebuild keep the daemon from spending its time on round trips and rewrites.
/// </summary>
internal static class KpiPaging
{
    public static void Apply(AsyncOptions options)
    {
        options.BatchSize = 20_000;
        options.MaximumHopperSize = 100_000;
        options.RebuildFlushThreshold = 5_000;
        options.CacheLimitPerTenant = 20_000;
    }
}
