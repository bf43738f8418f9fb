using System.ComponentModel.DataAnnotations;
using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;

namespace Settlement.Domain.Invoicing.SalesTax;

/// <summary>One authority's sales tax at a site: its level, its name as the return is filed to ("Denver County"), its rate.</summary>
public sealed record SalesTaxComponent(
    TaxLevel Level,
    [property: MinLength(1)] string Authority,
    [property: Range(0.0, 100.0)] decimal RatePercent);

/// <summary>
/// The US sales tax an operator charges at a site over the supply dates [ValidFrom, ValidThrough], both inclusive
/// (open-ended when <paramref name="ValidThrough"/> is null): one component per authority levying it. A later
/// definition takes precedence on the dates it covers, so a rate change is a new definition from its date.
/// <paramref name="Source"/> says where the rates come from (the state's rate lookup, a notice of change).
/// </summary>
public sealed record SiteSalesTaxDefined(
    [property: MinLength(1)] string SiteId,
    [property: MinLength(1)] IReadOnlyList<SalesTaxComponent> Components,
    LocalDate ValidFrom,
    LocalDate? ValidThrough,
    [property: MinLength(1)] string Source,
    Instant DefinedAt)
{
    /// <summary>The rate a line is charged: the sum of the levels' (a method, so it is not stored).</summary>
    public decimal CombinedPercent() => Components.Sum(c => c.RatePercent);

    public bool Covers(LocalDate supplyDate) => ValidFrom <= supplyDate && (ValidThrough is null || supplyDate <= ValidThrough);
}

/// <summary>The operator states the sales tax of a US site from a date, as the state's rate lookup gives it for the site's address.</summary>
public sealed record DefineSiteSalesTax(
    string SiteId, IReadOnlyList<SalesTaxComponent> Components, LocalDate ValidFrom, LocalDate? ValidThrough, string Source) : ICommand<Decision>;

/// <summary>A definition and its version in the site's "salestax:" stream, which an invoice names among its sources.</summary>
public sealed record SalesTaxInForce(SiteSalesTaxDefined Definition, long StreamVersion);

/// <summary>Every sales tax definition of one site, in the order recorded.</summary>
public sealed record SiteSalesTaxHistory(IReadOnlyList<SalesTaxInForce> Definitions)
{
    public static SiteSalesTaxHistory Empty { get; } = new([]);

    public SiteSalesTaxHistory Apply(SiteSalesTaxDefined defined, long streamVersion) =>
        new([.. Definitions, new SalesTaxInForce(defined, streamVersion)]);

    /// <summary>The definition to charge on a supply on that date: the last recorded one covering it; null when none does.</summary>
    public SalesTaxInForce? On(LocalDate supplyDate) => Definitions.LastOrDefault(d => d.Definition.Covers(supplyDate));
}

/// <summary>
/// Deciding a site's sales tax. Nothing is guessed: every component is stated by the operator, and a site outside the
/// US is refused, since VAT applies there per jurisdiction (POST /api/tax-rates).
/// </summary>
public static class SiteSalesTax
{
    /// <summary>More authorities than any US address has (state, county, city and a few districts).</summary>
    public const int MaxComponents = 8;

    /// <summary>A site's definitions are read whole to invoice it; a rate change a month for decades fits.</summary>
    public const int MaxDefinitions = 500;

    public const int MaxAuthorityLength = 100;
    public const int MaxSourceLength = 300;

    /// <summary>The highest combined US rate is about 11.5 %; more than this is a typing error.</summary>
    public const decimal MaxCombinedPercent = 20m;

    private const int MaxRateDecimals = 4;
    private static readonly LocalDate Earliest = new(2000, 1, 1);
    private static readonly LocalDate Latest = new(2100, 12, 31);

    /// <summary>
    /// Refused naming every problem at once; a repeat of the last definition records nothing.
    /// <paramref name="jurisdiction"/> is the site's recorded jurisdiction (null: not a registered site).
    /// </summary>
    public static Decision Decide(DefineSiteSalesTax command, SiteJurisdictionResolved? jurisdiction, SiteSalesTaxHistory history, Instant now)
    {
        if (jurisdiction is null)
            return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered.");
        if (jurisdiction.CountryCode != "US")
            return Decision.Refuse(RefusalKind.Unprocessable,
                $"Site {command.SiteId} is in {jurisdiction.Jurisdiction}, where VAT applies, not US sales tax: set the jurisdiction's rate with POST /api/tax-rates.");

        var problems = ProblemsOf(command).ToList();
        if (history.Definitions.Count >= MaxDefinitions)
            problems.Add($"Site {command.SiteId} has {MaxDefinitions} sales tax definitions already, the most one site keeps.");
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Unprocessable, problems);

        if (history.Definitions.LastOrDefault()?.Definition is { } last
            && last.ValidFrom == command.ValidFrom && last.ValidThrough == command.ValidThrough && last.Source == command.Source
            && last.Components.SequenceEqual(command.Components))
            return Decision.Accept();
        return Decision.Accept(new SiteSalesTaxDefined(command.SiteId, [.. command.Components], command.ValidFrom, command.ValidThrough, command.Source, now));
    }

    private static IEnumerable<string> ProblemsOf(DefineSiteSalesTax command)
    {
        var components = command.Components ?? [];
        if (components.Count == 0)
            yield return "components: at least one, e.g. [{ \"level\": \"State\", \"authority\": \"Colorado\", \"ratePercent\": 2.9 }]; where no sales tax applies, state the state's rate as 0.";
        if (components.Count > MaxComponents)
            yield return $"components: at most {MaxComponents}, one per authority levying the tax.";
        foreach (var (component, i) in components.Select((c, i) => (c, i)))
        {
            if (component is null)
            {
                yield return $"components[{i}]: an object with level, authority and ratePercent.";
                continue;
            }
            if (!Enum.IsDefined(component.Level))
                yield return $"components[{i}].level: one of State, County, City, SpecialDistrict.";
            if (string.IsNullOrWhiteSpace(component.Authority) || component.Authority.Length > MaxAuthorityLength)
                yield return $"components[{i}].authority: the authority's name as filed to, 1 to {MaxAuthorityLength} characters (\"Denver County\").";
            if (component.RatePercent < 0m || component.RatePercent > MaxCombinedPercent || decimal.Round(component.RatePercent, MaxRateDecimals) != component.RatePercent)
                yield return $"components[{i}].ratePercent: a percent from 0 to {MaxCombinedPercent} with at most {MaxRateDecimals} decimals (4.81).";
        }
        var named = components.Where(c => c is not null).ToList();
        if (named.Count(c => c.Level == TaxLevel.State) > 1)
            yield return "components: at most one State level; a site is in one state.";
        foreach (var twice in named.GroupBy(c => (c.Level, Authority: c.Authority?.Trim())).Where(g => g.Count() > 1))
            yield return $"components: {twice.Key.Level} \"{twice.Key.Authority}\" is listed twice.";
        if (named.Sum(c => c.RatePercent) > MaxCombinedPercent)
            yield return $"components: the rates add up to {named.Sum(c => c.RatePercent)}%, more than the {MaxCombinedPercent}% any US site is charged.";
        if (command.ValidFrom < Earliest || command.ValidFrom > Latest)
            yield return $"validFrom: a date from {Earliest:uuuu-MM-dd} to {Latest:uuuu-MM-dd}.";
        if (command.ValidThrough is { } through && (through < command.ValidFrom || through > Latest))
            yield return $"validThrough: a date from validFrom ({command.ValidFrom:uuuu-MM-dd}) to {Latest:uuuu-MM-dd}, or left out while the rates last.";
        if (string.IsNullOrWhiteSpace(command.Source) || command.Source.Length > MaxSourceLength)
            yield return $"source: where the rates come from, 1 to {MaxSourceLength} characters (\"Colorado DOR sales tax rate lookup, 101 W Colfax Ave\").";
    }

    /// <summary>
    /// Why a US session cannot be invoiced as priced by this tariff version; null when it can. A US price is published
    /// excluding sales tax, which the invoice adds once from the site's rates: a tariff whose prices include tax, or
    /// that carries a VAT percent of its own, would have tax added on top of tax (or a second, different tax stated).
    /// </summary>
    public static string? TariffProblem(string sessionId, Tariffs.TariffPublished tariff) =>
        tariff.PricesIncludeVat || tariff.Elements.Any(e => e.PriceComponents.Any(c => c.VatPercent is not null))
            ? $"Session {sessionId} was priced by tariff {tariff.TariffId} v{tariff.Version}, which states its prices "
              + $"{(tariff.PricesIncludeVat ? "including tax" : "with a VAT percent")}; at a US site prices are published excluding sales tax, "
              + "which the invoice adds from the site's rates: publish a version with pricesIncludeVat false and no vatPercent."
            : null;
}
