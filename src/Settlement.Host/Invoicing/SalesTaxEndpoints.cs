using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using NodaTime.Text;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Host.Access;

namespace Settlement.Host.Invoicing;

/// <summary>Records a US site's sales tax once the site's jurisdiction is known (resolved and recorded on first use).</summary>
public sealed class DefineSiteSalesTaxHandler(Ledger.Ledger ledger, InvoiceInputs inputs, IClock clock, Callers? callers = null)
    : ICommandHandler<DefineSiteSalesTax, Decision>
{
    public async ValueTask<Decision> Handle(DefineSiteSalesTax command, CancellationToken ct)
    {
        var site = await inputs.JurisdictionOfAsync(command.SiteId, ct);
        if (site.Refusal is { Kind: not RefusalKind.NotFound } unresolved) return new Decision([], unresolved);
        // The history is read at each attempt: the definition is decided on top of what another request recorded first.
        return await ledger.DecideAtVersionAsync(StreamIds.SiteSalesTax(command.SiteId), async _ =>
                SiteSalesTax.Decide(command, site.Resolved, await inputs.SalesTaxOfAsync(command.SiteId, ct), clock.GetCurrentInstant()),
            () => Finance.Metadata(clock, callers), Issuing.Attempts, ct);
    }
}

/// <summary>The sales tax API: a US site's rates by level, with the dates they apply on.</summary>
public static class SalesTaxEndpoints
{
    public sealed record SalesTaxComponentBody(TaxLevel Level, string Authority, decimal RatePercent);

    public sealed record DefineSiteSalesTaxBody(IReadOnlyList<SalesTaxComponentBody>? Components, LocalDate ValidFrom, string Source, LocalDate? ValidThrough = null);

    /// <summary>One definition as recorded, and where: its version in the site's "salestax:" stream.</summary>
    public sealed record SalesTaxDefinition(
        IReadOnlyList<SalesTaxComponent> Components, decimal CombinedPercent, LocalDate ValidFrom, LocalDate? ValidThrough, string Source,
        Instant DefinedAt, long Version)
    {
        public static SalesTaxDefinition Of(SalesTaxInForce recorded) => new(
            recorded.Definition.Components, recorded.Definition.CombinedPercent(), recorded.Definition.ValidFrom, recorded.Definition.ValidThrough,
            recorded.Definition.Source, recorded.Definition.DefinedAt, recorded.StreamVersion);
    }

    /// <summary>
    /// What a site charges on <paramref name="On"/> (null when nothing is defined for that date: its sessions are not
    /// invoiced), and every definition in the order recorded; a later one wins on the dates it covers.
    /// <paramref name="History"/> is one site's, at most <see cref="SiteSalesTax.MaxDefinitions"/>, so it is not paged.
    /// </summary>
    public sealed record SiteSalesTaxView(string SiteId, string? Jurisdiction, LocalDate On, SalesTaxDefinition? InForce, IReadOnlyList<SalesTaxDefinition> History);

    public static IEndpointRouteBuilder MapSalesTax(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/sites/{siteId}/sales-tax", async (string siteId, DefineSiteSalesTaxBody body, OperatorScope scope, IMediator mediator, InvoiceInputs inputs, CancellationToken ct) =>
        {
            if (!await scope.SeesSiteAsync(siteId, ct)) return NoSite(siteId);
            var components = (body.Components ?? []).Select(c => c is null ? null! : new SalesTaxComponent(c.Level, c.Authority?.Trim()!, c.RatePercent)).ToList();
            var decision = await mediator.Send(new DefineSiteSalesTax(siteId, components, body.ValidFrom, body.ValidThrough, body.Source?.Trim()!), ct);
            if (decision.Refusal is { } refusal) return refusal.ToHttp();
            // A repeat of the last definition records nothing: the answer is what was recorded then.
            return decision.Events.SingleOrDefault() is SiteSalesTaxDefined defined
                ? Results.Created($"/api/sites/{siteId}/sales-tax", defined)
                : Results.Ok(SalesTaxDefinition.Of((await inputs.SalesTaxOfAsync(siteId, ct)).Definitions[^1]));
        });

        app.MapGet("/api/sites/{siteId}/sales-tax", async (string siteId, string? on, OperatorScope scope, InvoiceInputs inputs, IClock clock, CancellationToken ct) =>
        {
            if (!await scope.SeesSiteAsync(siteId, ct)) return NoSite(siteId);
            var date = clock.GetCurrentInstant().InUtc().Date;
            if (on is not null)
            {
                if (LocalDatePattern.Iso.Parse(on) is not { Success: true } parsed)
                    return Results.BadRequest(new { error = $"on: '{on}' is not a date like 2026-10-01." });
                date = parsed.Value;
            }
            var jurisdiction = await inputs.JurisdictionOfAsync(siteId, ct);
            if (jurisdiction.Refusal is { Kind: RefusalKind.NotFound }) return NoSite(siteId);
            var history = await inputs.SalesTaxOfAsync(siteId, ct);
            return Results.Ok(new SiteSalesTaxView(siteId, jurisdiction.Resolved?.Jurisdiction, date,
                history.On(date) is { } inForce ? SalesTaxDefinition.Of(inForce) : null,
                [.. history.Definitions.Select(SalesTaxDefinition.Of)]));
        });

        return app;
    }

    private static IResult NoSite(string siteId) => Results.NotFound(new { error = $"Site {siteId} is not registered." });
}
