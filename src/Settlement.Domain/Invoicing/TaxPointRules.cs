using System.Collections.Immutable;
using NodaTime;
using Settlement.Domain.Events;

namespace Settlement.Domain.Invoicing;

/// <summary>
/// A jurisdiction's rule for the tax point, the date VAT becomes chargeable, with the law it follows.
/// <paramref name="SetBy"/> is the operator's <see cref="TaxPointRuleSet"/> event; null for a built-in rule.
/// </summary>
public sealed record TaxPointRule(string Jurisdiction, TaxPointBasis Basis, int? IssuedWithinDays, string Source, SourceEvent? SetBy = null)
{
    public LocalDate TaxPointOf(LocalDate supplyDate, LocalDate issueDate) => Basis switch
    {
        TaxPointBasis.IssueDate when IssuedWithinDays is not { } days || Period.DaysBetween(supplyDate, issueDate) <= days => issueDate,
        _ => supplyDate,
    };

    public string Described => Basis switch
    {
        TaxPointBasis.SupplyDate => "the supply date",
        _ when IssuedWithinDays is { } days => $"the issue date when issued within {days} days of the supply, the supply date otherwise",
        _ => "the issue date",
    };
}

/// <summary>
/// The tax point rule of each jurisdiction: the operator's latest, else the built-in one of the jurisdiction or of its
/// country ("US-CO" falls back to "US"). A jurisdiction with neither is taxed on the supply date, and its documents say
/// that no rule was recorded, so the date is never chosen silently.
/// </summary>
public sealed class TaxPointRules
{
    private const string Directive = "Article 63, Council Directive 2006/112/EC: the chargeable event occurs when the goods or services are supplied";

    /// <summary>The rules the ledger knows without being told, each with the provision it follows.</summary>
    public static IReadOnlyList<TaxPointRule> BuiltIn { get; } =
    [
        .. InvoiceDrafting.EuMemberStates.Where(c => c != "DE").Order(StringComparer.Ordinal)
            .Select(country => new TaxPointRule(country, TaxPointBasis.SupplyDate, null, Directive)),
        new("DE", TaxPointBasis.SupplyDate, null,
            "§ 13 Abs. 1 Nr. 1 Buchst. a Satz 1 UStG: the tax arises at the end of the period in which the supply was made"),
        new("GB", TaxPointBasis.IssueDate, 14,
            "VAT Act 1994 s. 6(2) and 6(5): the supply date, or the date of the VAT invoice when issued within 14 days after it"),
    ];

    public static TaxPointRules BuiltInOnly { get; } = new(ImmutableDictionary<string, TaxPointRule>.Empty);

    private static readonly string RuleSetType = EventType.StoredNameOf(typeof(TaxPointRuleSet));
    private static readonly ImmutableDictionary<string, TaxPointRule> BuiltInByJurisdiction =
        BuiltIn.ToImmutableDictionary(r => r.Jurisdiction, StringComparer.Ordinal);

    private readonly ImmutableDictionary<string, TaxPointRule> recorded;

    private TaxPointRules(ImmutableDictionary<string, TaxPointRule> recorded) => this.recorded = recorded;

    /// <summary>These rules with the operator's, which replaces any earlier one of its jurisdiction.</summary>
    public TaxPointRules With(TaxPointRuleSet set, long streamVersion) =>
        new(recorded.SetItem(set.Jurisdiction, new TaxPointRule(set.Jurisdiction, set.Basis, set.IssuedWithinDays, set.Source,
            new SourceEvent(StreamIds.TaxPointRules(set.Jurisdiction), streamVersion, RuleSetType))));

    /// <summary>The rule in force for the jurisdiction; null when none is recorded nor built in.</summary>
    public TaxPointRule? For(string jurisdiction) =>
        recorded.GetValueOrDefault(jurisdiction)
        ?? BuiltInByJurisdiction.GetValueOrDefault(jurisdiction)
        ?? (jurisdiction.Length > 2 ? BuiltInByJurisdiction.GetValueOrDefault(jurisdiction[..2]) : null);

    /// <summary>The tax point of a supply in the jurisdiction on an invoice issued on <paramref name="issueDate"/>.</summary>
    public LocalDate TaxPointOf(string jurisdiction, LocalDate supplyDate, LocalDate issueDate) =>
        For(jurisdiction)?.TaxPointOf(supplyDate, issueDate) ?? supplyDate;
}
