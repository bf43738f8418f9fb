using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Tariffs;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Projections.Tariffs;

namespace Settlement.Host.Roaming;

/// <summary>
/// OCPI 2.2.1 Tariffs, we as SENDER: each of our tariffs as one OCPI Tariff, the version in force now (or, before its
/// first version starts, the one that will be), with start_date_time and end_date_time bounding that version, in
/// tariff id order, paged like every OCPI list.
/// </summary>
public static class TariffsModule
{
    public const string Module = "tariffs";

    public static void MapTariffsModule(this IEndpointRouteBuilder ocpi)
    {
        ocpi.MapGet($"/{OcpiRoutes.Version}/{Module}", async (HttpContext context, Ledger.Ledger ledger, OcpiOptions options, IClock clock, CancellationToken ct) =>
            {
                var (page, refusal) = OcpiPageQuery.Read(context.Request);
                if (page is null) return refusal!;
                await using var query = ledger.QueryReadModels();
                var histories = await query.Query<TariffHistory>().ToListAsync(ct);
                var now = clock.GetCurrentInstant();
                return page.Answer(context, options, [.. histories.OrderBy(h => h.Id, StringComparer.Ordinal)
                    .Select(h => Render(h, options, now)).OfType<OcpiTariff>().Where(t => page.Covers(t.LastUpdated!.Value))]);
            })
            .WithMetadata(new OcpiModuleMetadata(Module));
    }

    /// <summary>The tariff as partners see it now; null once no version of it is in force any more or to come.</summary>
    public static OcpiTariff? Render(TariffHistory history, OcpiOptions options, Instant now)
    {
        if (history.Timeline().FirstOrDefault(span => span.Until > now) is not { } span) return null;
        // Any version or supersession recorded may have moved the window shown.
        var lastUpdated = history.Versions.Select(v => v.Tariff.PublishedAt).Concat(history.Supersessions.Select(s => s.SupersededAt)).Max();
        return OcpiTariffs.ToOcpi(span.Tariff, options.CountryCode, options.PartyId, span.From,
            span.Until == Instant.MaxValue ? null : span.Until, lastUpdated);
    }
}
