using NodaTime;
using Settlement.Domain.Events;
using Settlement.Domain.Invoicing.SalesTax;
using Settlement.Domain.Monetary;
using Settlement.Domain.Tariffs;

namespace Settlement.Domain.Invoicing;

/// <summary>
/// The tax where and when a session was supplied: the station's jurisdiction and its rate on the supply date. A US
/// supply carries the site's sales tax by level (<paramref name="SalesTax"/>), and its rate is their sum.
/// </summary>
public sealed record SupplyTax(string Jurisdiction, string CountryCode, decimal RatePercent, IReadOnlyList<SalesTaxComponent>? SalesTax = null)
{
    public static SupplyTax Sales(string jurisdiction, IReadOnlyList<SalesTaxComponent> components) =>
        new(jurisdiction, "US", components.Sum(c => c.RatePercent), components);

    public TaxKind Kind => SalesTax is null ? TaxKind.Vat : TaxKind.SalesTax;
}

/// <summary>A stopped, priced session ready to invoice, with everything its lines were derived from.</summary>
/// <param name="OperatorId">The sub-operator whose site supplied it; null for the top-level operator's own sites.</param>
/// <param name="EvseId">The EVSE it charged at, as its CDR names it (eMI3, "DE*STL*E{charger}*{evse}"); null where unknown.</param>
public sealed record InvoicedSession(
    string SessionId,
    string SiteId,
    string SiteName,
    SessionPrice Price,
    SupplyTax Tax,
    IReadOnlyList<SourceEvent> Sources,
    string? OperatorId = null,
    string? EvseId = null)
{
    /// <summary>The tax point: the local date at the station when the supply was completed.</summary>
    public LocalDate SupplyDate => InvoiceDrafting.SupplyDateOf(Price);

    /// <summary>When it started and ended at the station, in its time zone.</summary>
    public (LocalDateTime Start, LocalDateTime End) LocalTimes
    {
        get
        {
            var zone = DateTimeZoneProviders.Tzdb[Price.TimeZone];
            return (Price.From.InZone(zone).LocalDateTime, Price.Until.InZone(zone).LocalDateTime);
        }
    }

    public decimal EnergyKwh => Price.EnergyWh / 1000m;
}

/// <summary>
/// Who issues the document, its number, and when. The issue date is the UTC date of issuing.
/// <paramref name="SellerSources"/> are the events the seller's details come from. <paramref name="TaxPoints"/> date
/// each line's tax point (built-in rules when null); <paramref name="PaymentTermsDays"/> and <paramref name="PayTo"/>
/// are the issuer's terms and account; <paramref name="SellerNote"/> says why the seller's VAT id is the one printed
/// (the OSS scheme), where that needs saying.
/// </summary>
public sealed record InvoiceHeader(
    string IssuerId, string Series, long SequenceNumber, Instant IssuedAt, InvoiceParty Seller, InvoiceParty Buyer,
    IReadOnlyList<SourceEvent> SellerSources, TaxPointRules? TaxPoints = null, int? PaymentTermsDays = null,
    PaymentAccount? PayTo = null, string? SellerNote = null)
{
    public string Number => $"{Series}-{SequenceNumber:D6}";

    public LocalDate IssueDate => IssuedAt.InUtc().Date;
}

/// <summary>
/// Invoices and credit notes from priced sessions. Pure: the caller supplies the number, the tax and the
/// clock, so the same inputs always give the same document.
/// </summary>
/// <remarks>
/// Rounding rule, the same for every document: each line's net is its share of the session's net total
/// (already rounded to the currency's minor units), split by largest remainder so lines add up exactly.
/// VAT is computed once per jurisdiction, rate and treatment on the net sum of its lines, rounded half
/// away from zero to minor units, and then spread over those lines: each gets its exact VAT rounded down,
/// and the units still missing go to the lines with the largest fractions. So every total is
/// exactly the sum of its lines, and each line's VAT is less than one minor unit from net × rate.
/// US sales tax is computed the same way per level (state, county, city, special district): each level once on the
/// net sum, spread over the lines, a line's tax being the sum of its levels (<see cref="SalesTaxSpread"/>).
/// </remarks>
public static class InvoiceDrafting
{
    public const string ReverseChargeNote =
        "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).";

    /// <summary>Member states of the EU, where cross-border B2B supplies are reverse-charged.</summary>
    public static readonly IReadOnlySet<string> EuMemberStates = new HashSet<string>
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
        "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    };

    private const decimal WhPerKwh = 1000m;
    private const decimal SecondsPerHour = 3600m;
    private const int QuantityDecimals = 4;

    public static LocalDate SupplyDateOf(SessionPrice price) =>
        price.Until.InZone(DateTimeZoneProviders.Tzdb[price.TimeZone]).Date;

    /// <summary>A driver's invoice for one session: a line per price component and tariff version.</summary>
    public static InvoiceDocument ForSession(InvoiceHeader header, InvoicedSession session)
    {
        var price = session.Price;
        var currency = Currency.FromCode(price.Currency);
        var groups = price.Lines
            .GroupBy(l => (l.Component, l.TariffId, l.TariffVersion))
            .OrderBy(g => ComponentOrder(g.Key.Component)).ThenBy(g => g.Key.TariffId, StringComparer.Ordinal).ThenBy(g => g.Key.TariffVersion)
            .ToList();
        var nets = Split(price.TotalExclVat, groups.Select(g => g.Sum(l => l.AmountExclVat)).ToArray());
        var billed = BilledSession(session);
        var drafts = groups.Select((g, i) =>
        {
            var quantity = Quantity(g.Key.Component, g.Sum(l => l.BilledVolume));
            var exclVat = g.Sum(l => l.AmountExclVat);
            return new LineDraft(
                $"{Describe(g.Key.Component)} (tariff {g.Key.TariffId} v{g.Key.TariffVersion})",
                session.SessionId, session.SiteId, session.SupplyDate,
                quantity, Unit(g.Key.Component), quantity == 0m ? 0m : SubUnit.Round(exclVat / quantity),
                session.Tax.Jurisdiction, session.Tax.RatePercent, VatTreatment.Standard, nets[i], billed, session.Tax.SalesTax);
        }).ToList();

        List<string> notes = [$"Place of supply: {session.SiteName} ({session.Tax.Jurisdiction}); supplied on {session.SupplyDate:uuuu-MM-dd}."];
        if (session.Tax.SalesTax is { } levels)
            notes.Add($"Prices exclude sales tax. Sales tax: {SalesTaxSpread.Describe(levels)}, each level computed on the net total.");
        return Document(header, InvoiceKind.SessionInvoice, currency, drafts, partnerId: null, period: null,
            creditsInvoice: null, reason: null, commissionPercent: null, commission: null, notes,
            [.. header.SellerSources, .. session.Sources]);
    }

    /// <summary>
    /// A roaming partner's invoice of its CDRs under one agreement, in one currency: a line per CDR (a credit CDR is a
    /// negative line) charging exactly the CDR's total_cost excluding VAT, so the invoice's net reconciles with its CDRs
    /// to the cent; VAT is charged as the invoice determines it for its buyer (reverse charge, the station's rate). The commission the
    /// partner retains under the agreement is stated once: a percent of the net total, and the amount due after it.
    /// </summary>
    /// <remarks>
    /// The CDRs' sources are listed in line order, one per line, so the CDR a line bills can be told from the document
    /// alone (<see cref="CdrsBilledBy"/>).
    /// </remarks>
    public static InvoiceDocument ForPartner(
        InvoiceHeader header, string partnerId, AgreementTerm agreement, LocalDate from, LocalDate through,
        IReadOnlyList<InvoicedCdr> cdrs, IReadOnlyList<string> sessionsWithoutCdr)
    {
        if (cdrs.Count == 0)
            throw new ArgumentException("A partner invoice needs at least one CDR.", nameof(cdrs));
        var currency = Currency.FromCode(cdrs[0].Cdr.Currency);
        if (cdrs.FirstOrDefault(c => c.Cdr.Currency != currency.Code) is { } other)
            throw new ArgumentException($"CDR {other.Cdr.CdrId} is in {other.Cdr.Currency}, not {currency.Code}: invoice each currency separately.", nameof(cdrs));

        var ordered = cdrs.OrderBy(c => c.Cdr.StartedAt).ThenBy(c => c.Cdr.CdrId, StringComparer.Ordinal).ToList();
        var lines = ordered.Select((c, i) =>
        {
            var reverseCharged = IsReverseCharged(header.Buyer, c.Session.Tax);
            var quantity = c.Cdr.Credit ? -Math.Abs(c.Cdr.TotalEnergyKwh) : c.Cdr.TotalEnergyKwh;
            var net = c.Cdr.TotalCost.ExclVat;
            var rate = reverseCharged ? 0m : c.Session.Tax.RatePercent;
            // The partner is billed the station's VAT as this invoice determines it for the buyer: a reverse-charged
            // partner pays none, whatever the CDR's incl_vat (the price at the station) says.
            var vat = new Money(net * rate / 100m, currency).Round(MidpointRounding.AwayFromZero);
            return new InvoiceLine(i + 1, DescribeCdr(c), c.Cdr.SessionId, c.Session.SiteId, c.SupplyDate, quantity, "kWh",
                quantity == 0m ? 0m : SubUnit.Round(net / quantity), c.Session.Tax.Jurisdiction,
                rate, reverseCharged ? VatTreatment.ReverseCharge : VatTreatment.Standard,
                net, vat.Amount, net + vat.Amount,
                EvseId: c.Cdr.Location.EvseId, LocalStart: c.LocalAt(c.Cdr.StartedAt), LocalEnd: c.LocalAt(c.Cdr.EndedAt),
                TimeZone: c.Session.Price.TimeZone, EnergyKwh: Math.Abs(c.Cdr.TotalEnergyKwh), TaxKind: c.Session.Tax.Kind,
                SalesTaxLevels: c.Session.Tax.SalesTax is { } levels ? SalesTaxSpread.OfLine(levels, vat) : null);
        }).ToList();
        var totalNet = new Money(lines.Sum(l => l.NetAmount), currency);
        var commission = Percent(totalNet, agreement.CommissionPercent);
        var jurisdictions = string.Join(", ", lines.Select(l => l.Jurisdiction).Distinct().Order(StringComparer.Ordinal));
        List<string> notes = [$"Place of supply: the charging stations ({jurisdictions})."];
        if (lines.Any(l => l.Treatment == VatTreatment.ReverseCharge)) notes.Add(ReverseChargeNote);
        if (lines.Any(l => l.TaxKind == TaxKind.SalesTax))
            notes.Add("Prices exclude sales tax. Each CDR's sales tax is charged at its site's combined rate on the supply date, split over the levels in proportion to their rates.");
        notes.Add($"Roaming agreement {(agreement.EffectiveFrom is { } effective ? $"in force from {effective:uuuu-MM-dd}" : "in force since registration")}"
                  + $": invoiced {agreement.SettlementPeriod.ToString().ToLowerInvariant()}"
                  + $"{(agreement.Currency is { } settled ? $" in {settled}" : "")}.");
        notes.Add(CommissionStatement(agreement.CommissionPercent, commission.Amount, lines.Sum(l => l.GrossAmount) - commission.Amount, currency));
        if (sessionsWithoutCdr.Count > 0)
            notes.Add($"Not invoiced yet, no CDR issued: {Listed(sessionsWithoutCdr, "session")}.");

        return Assemble(header, InvoiceKind.PartnerInvoice, currency.Code, lines, partnerId, (from, through),
            creditsInvoice: null, reason: null, agreement.CommissionPercent, commission.Amount, notes,
            [.. header.SellerSources, agreement.Source, .. ordered.SelectMany(c => (IEnumerable<SourceEvent>)[c.Source, .. c.Session.Sources])]);
    }

    /// <summary>
    /// The one way a partner invoice states its commission, in its notes, PDF and CSV alike: the invoice bills the
    /// CDRs' totals; the partner retains the commission of the net total under its agreement and pays the rest.
    /// </summary>
    public static string CommissionStatement(decimal percent, decimal commission, decimal due, Currency currency) =>
        $"Commission retained by the partner under its roaming agreement: {percent}% of the net total, "
        + $"{Format(commission, currency)} {currency.Code}; amount due {Format(due, currency)} {currency.Code}.";

    /// <summary>The CDR each line of a partner invoice of CDRs bills, by line number; none for a document of sessions.</summary>
    public static IReadOnlyList<(int LineNo, string CdrId)> CdrsBilledBy(InvoiceDocument document)
    {
        var cdrs = document.Sources.Where(s => s.StreamId.StartsWith(CdrStreamPrefix, StringComparison.Ordinal)).ToList();
        return cdrs.Count != document.Lines.Count || document.Kind != InvoiceKind.PartnerInvoice ? []
            : [.. document.Lines.Zip(cdrs, (line, cdr) => (line.LineNo, cdr.StreamId[CdrStreamPrefix.Length..]))];
    }

    private const string CdrStreamPrefix = "cdr:";

    private static string DescribeCdr(InvoicedCdr c)
    {
        var start = c.LocalAt(c.Cdr.StartedAt);
        var end = c.LocalAt(c.Cdr.EndedAt);
        var until = end.Date == start.Date ? end.ToString("HH:mm", null) : end.ToString("uuuu-MM-dd HH:mm", null);
        var credits = c.Cdr.Credit ? $"Credit CDR {c.Cdr.CdrId} (crediting CDR {c.Cdr.CreditReferenceId})" : $"CDR {c.Cdr.CdrId}";
        return $"{credits}: session {c.Cdr.SessionId}, EVSE {c.Cdr.Location.EvseId} at {c.Session.SiteName}, "
               + $"{start.ToString("uuuu-MM-dd HH:mm", null)}-{until} {c.Session.Price.TimeZone}, {c.Cdr.TotalEnergyKwh:0.000} kWh";
    }

    private static string Listed(IReadOnlyList<string> ids, string noun)
    {
        const int Shown = 20;
        var shown = string.Join(", ", ids.Take(Shown));
        return ids.Count > Shown ? $"{noun}s {shown} and {ids.Count - Shown} more" : $"{noun}{(ids.Count == 1 ? "" : "s")} {shown}";
    }

    private static string Format(decimal amount, Currency currency) =>
        amount.ToString("F" + currency.MinorUnits, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Reverses the given lines of an invoice exactly as they were charged (net and VAT negated), so an
    /// invoice and a credit note of all its lines net to zero on every account. Which lines are still
    /// open to credit is the caller's to check.
    /// </summary>
    public static InvoiceDocument CreditNote(InvoiceHeader header, InvoiceDocument invoice, IReadOnlyCollection<int> lineNos, string reason)
    {
        if (invoice.Kind == InvoiceKind.CreditNote)
            throw new ArgumentException($"{invoice.Number} is a credit note; only invoices are credited.", nameof(invoice));
        var credited = invoice.Lines.Where(l => lineNos.Contains(l.LineNo)).ToList();
        if (credited.Count == 0 || credited.Count != lineNos.Count)
            throw new ArgumentException($"Invoice {invoice.Number} has lines 1 to {invoice.Lines.Count}; cannot credit {string.Join(", ", lineNos.Order())}.", nameof(lineNos));

        // Each line keeps the number of the invoice line it reverses, so what is still open can be told, and its tax
        // point: a correction reduces the VAT of the supply it corrects (Article 90, Directive 2006/112/EC), so it is
        // reported with it, whenever the credit note is issued.
        var lines = credited.Select(l => l with
        {
            TaxPoint = l.TaxPointOrSupplyDate(),
            Quantity = -l.Quantity,
            NetAmount = -l.NetAmount, VatAmount = -l.VatAmount, GrossAmount = -l.GrossAmount,
            SalesTaxLevels = l.SalesTaxLevels?.Select(level => level with { Amount = -level.Amount }).ToList(),
        }).ToList();
        var currency = Currency.FromCode(invoice.Currency);
        var whole = credited.Count == invoice.Lines.Count;
        decimal? commission = invoice.CommissionPercent is not { } percent ? null
            : whole ? -invoice.CommissionAmount
            : Percent(new Money(lines.Sum(l => l.NetAmount), currency), percent).Amount;
        var issued = new SourceEvent(StreamIds.InvoiceSeries(invoice.IssuerId, invoice.Series), invoice.SequenceNumber,
            EventType.StoredNameOf(typeof(InvoiceIssued)));

        return Assemble(header, InvoiceKind.CreditNote, invoice.Currency, lines, invoice.PartnerId,
            invoice.PeriodFrom is { } from && invoice.PeriodThrough is { } through ? (from, through) : null,
            invoice.Number, reason, invoice.CommissionPercent, commission,
            [$"Credits {(whole ? "all lines" : $"lines {string.Join(", ", credited.Select(l => l.LineNo))}")} of invoice {invoice.Number} of {invoice.IssueDate:uuuu-MM-dd}: {reason}",
             .. invoice.Notes.Where(n => n == ReverseChargeNote || n == InvoiceIssuer.OssNote)],
            [.. header.SellerSources, issued]);
    }

    public static bool IsReverseCharged(InvoiceParty buyer, SupplyTax tax) =>
        !string.IsNullOrWhiteSpace(buyer.VatId) && buyer.CountryCode is { } buyerCountry
        && EuMemberStates.Contains(buyerCountry) && EuMemberStates.Contains(tax.CountryCode)
        && buyerCountry != tax.CountryCode;

    private sealed record LineDraft(
        string Description, string? SessionId, string? SiteId, LocalDate SupplyDate, decimal Quantity, string Unit,
        decimal UnitPrice, string Jurisdiction, decimal VatPercent, VatTreatment Treatment, Money Net, SessionBilled Session,
        IReadOnlyList<SalesTaxComponent>? SalesTax = null)
    {
        /// <summary>Lines taxed alike: VAT by rate and treatment, sales tax by its levels too.</summary>
        public string TaxKey => SalesTax is null ? "VAT" : string.Join("|", SalesTax.Select(c => $"{c.Level}:{c.Authority}:{c.RatePercent}"));
    }

    /// <summary>The session a line bills, as the line describes it: where, when at the station, and how much energy.</summary>
    private sealed record SessionBilled(string? EvseId, LocalDateTime Start, LocalDateTime End, string TimeZone, decimal EnergyKwh);

    private static SessionBilled BilledSession(InvoicedSession session)
    {
        var (start, end) = session.LocalTimes;
        return new SessionBilled(session.EvseId, start, end, session.Price.TimeZone, session.EnergyKwh);
    }

    private static InvoiceDocument Document(
        InvoiceHeader header, InvoiceKind kind, Currency currency, IReadOnlyList<LineDraft> drafts, string? partnerId,
        (LocalDate From, LocalDate Through)? period, string? creditsInvoice, string? reason, decimal? commissionPercent,
        decimal? commission, IReadOnlyList<string> notes, IReadOnlyList<SourceEvent> sources)
    {
        var vat = new Money[drafts.Count];
        var levels = new IReadOnlyList<LevelTax>?[drafts.Count];
        foreach (var group in drafts.Select((d, i) => (d, i)).GroupBy(x => (x.d.Jurisdiction, x.d.VatPercent, x.d.Treatment, x.d.TaxKey)))
        {
            if (group.First().d.SalesTax is { } components)
            {
                // Sales tax: each level once on the net sum, spread over the lines; a line's tax is its levels' sum.
                var shares = SalesTaxSpread.OverLines(components, [.. group.Select(x => x.d.Net)], currency);
                foreach (var ((_, index), share) in group.Zip(shares))
                    (levels[index], vat[index]) = (share, new Money(share.Sum(l => l.Amount), currency));
                continue;
            }
            var net = Money.Sum(group.Select(x => x.d.Net), currency);
            var spread = SpreadTax(Percent(net, group.Key.VatPercent), group.Select(x => x.d.Net.Amount * group.Key.VatPercent / 100m).ToArray());
            foreach (var ((_, index), share) in group.Zip(spread)) vat[index] = share;
        }
        var lines = drafts.Select((d, i) => new InvoiceLine(
            i + 1, d.Description, d.SessionId, d.SiteId, d.SupplyDate, d.Quantity, d.Unit, d.UnitPrice,
            d.Jurisdiction, d.VatPercent, d.Treatment, d.Net.Amount, vat[i].Amount, (d.Net + vat[i]).Amount,
            EvseId: d.Session.EvseId, LocalStart: d.Session.Start, LocalEnd: d.Session.End, TimeZone: d.Session.TimeZone,
            EnergyKwh: d.Session.EnergyKwh, TaxKind: d.SalesTax is null ? TaxKind.Vat : TaxKind.SalesTax, SalesTaxLevels: levels[i])).ToList();
        return Assemble(header, kind, currency.Code, lines, partnerId, period, creditsInvoice, reason, commissionPercent, commission, notes, sources);
    }

    private static InvoiceDocument Assemble(
        InvoiceHeader header, InvoiceKind kind, string currency, IReadOnlyList<InvoiceLine> lines, string? partnerId,
        (LocalDate From, LocalDate Through)? period, string? creditsInvoice, string? reason, decimal? commissionPercent,
        decimal? commission, IReadOnlyList<string> notes, IReadOnlyList<SourceEvent> sources)
    {
        var breakdown = TaxBreakdown(lines);
        var (dated, taxPointNotes, ruleSources) = WithTaxPoints(header, lines);
        lines = dated;
        var taxPoints = lines.Select(l => l.TaxPoint).Distinct().ToList();
        return new InvoiceDocument(
            header.Number, header.IssuerId, header.Series, header.SequenceNumber, kind, header.IssueDate, header.IssuedAt,
            currency, header.Seller, header.Buyer, partnerId, period?.From, period?.Through, creditsInvoice, reason,
            lines, breakdown, lines.Sum(l => l.NetAmount), lines.Sum(l => l.VatAmount), lines.Sum(l => l.GrossAmount),
            commissionPercent, commission, [.. notes, .. taxPointNotes, .. header.SellerNote is { } sellerNote ? [sellerNote] : Array.Empty<string>()],
            sources.Concat(ruleSources).Distinct().ToList(),
            TaxPoint: taxPoints.Count == 1 ? taxPoints[0] : null,
            // A credit note is owed to the buyer, not paid by it: it has no terms of payment, only its reference.
            DueDate: kind != InvoiceKind.CreditNote && header.PaymentTermsDays is { } days ? header.IssueDate.PlusDays(days) : null,
            PaymentTerms: kind != InvoiceKind.CreditNote ? PaymentTermsText(header.PaymentTermsDays, header.IssueDate) : null,
            PayTo: kind != InvoiceKind.CreditNote ? header.PayTo : null,
            PaymentReference: header.Number);
    }

    /// <summary>
    /// The tax of some lines as a document states it: VAT per jurisdiction, rate and treatment; US sales tax per
    /// jurisdiction, level, authority and rate, summing its lines' shares, on the net of the lines it applies to (so every
    /// level of a line repeats that line's net: it is each authority's taxable amount). A document's own breakdown, and
    /// the VAT report's for the lines of a document that fall in its period.
    /// </summary>
    internal static IReadOnlyList<VatBreakdown> TaxBreakdown(IEnumerable<InvoiceLine> lines) =>
    [
        .. lines
            .Where(l => l.SalesTaxLevels is null)
            .GroupBy(l => (l.Jurisdiction, l.VatPercent, l.Treatment, l.TaxKind))
            .OrderBy(g => g.Key.Jurisdiction, StringComparer.Ordinal).ThenBy(g => g.Key.VatPercent).ThenBy(g => g.Key.Treatment)
            .Select(g => new VatBreakdown(g.Key.Jurisdiction, g.Key.VatPercent, g.Key.Treatment, g.Sum(l => l.NetAmount), g.Sum(l => l.VatAmount), g.Key.TaxKind)),
        .. lines
            .Where(l => l.SalesTaxLevels is not null)
            .SelectMany(l => l.SalesTaxLevels!.Select(level => (Line: l, Level: level)))
            .GroupBy(x => (x.Line.Jurisdiction, x.Level.Level, x.Level.Authority, x.Level.RatePercent))
            .OrderBy(g => g.Key.Jurisdiction, StringComparer.Ordinal).ThenBy(g => g.Key.Level)
            .ThenBy(g => g.Key.Authority, StringComparer.Ordinal).ThenBy(g => g.Key.RatePercent)
            .Select(g => new VatBreakdown(g.Key.Jurisdiction, g.Key.RatePercent, VatTreatment.Standard, g.Sum(x => x.Line.NetAmount),
                g.Sum(x => x.Level.Amount), TaxKind.SalesTax, g.Key.Level, g.Key.Authority)),
    ];

    /// <summary>
    /// Each line dated with its tax point by its jurisdiction's rule (a line that has one, a credit note's, keeps it),
    /// a note wherever the tax point is not simply the supply date (another date by rule, or no rule recorded), and the
    /// operator's rule events the dates follow, as sources.
    /// </summary>
    private static (IReadOnlyList<InvoiceLine> Lines, IReadOnlyList<string> Notes, IReadOnlyList<SourceEvent> Sources) WithTaxPoints(
        InvoiceHeader header, IReadOnlyList<InvoiceLine> lines)
    {
        var rules = header.TaxPoints ?? TaxPointRules.BuiltInOnly;
        var dated = lines.Select(l => l.TaxPoint is not null ? l : l with { TaxPoint = rules.TaxPointOf(l.Jurisdiction, l.SupplyDate, header.IssueDate) }).ToList();
        var notes = dated.Where(l => l.TaxPoint != l.SupplyDate || rules.For(l.Jurisdiction) is null)
            .Select(l => l.Jurisdiction).Distinct().Order(StringComparer.Ordinal)
            .Select(j => rules.For(j) is { } rule
                ? $"Tax point in {j}: {rule.Described} ({rule.Source})."
                : $"Tax point in {j}: the supply date; no tax point rule is recorded for {j}.")
            .ToList();
        var sources = dated.Select(l => l.Jurisdiction).Distinct().Order(StringComparer.Ordinal)
            .Select(j => rules.For(j)?.SetBy).OfType<SourceEvent>().ToList();
        return (dated, notes, sources);
    }

    /// <summary>The payment terms as printed; null when the issuer states none.</summary>
    private static string? PaymentTermsText(int? days, LocalDate issueDate) => days switch
    {
        null => null,
        0 => $"Payable on receipt, by {issueDate:uuuu-MM-dd}.",
        _ => $"Payable within {days} days of the issue date, by {issueDate.PlusDays(days.Value):uuuu-MM-dd}.",
    };

    /// <summary>Splits a rounded amount over weights by largest remainder; all to nothing when every weight is zero.</summary>
    private static IReadOnlyList<Money> Split(Money total, decimal[] weights)
    {
        if (weights.Length == 0) return [];
        var magnitudes = weights.Select(Math.Abs).ToArray();
        if (magnitudes.All(w => w == 0m))
            return total.IsZero ? weights.Select(_ => Money.Zero(total.Currency)).ToArray() : total.Allocate(weights.Length);
        return total.Allocate(magnitudes);
    }

    /// <summary>
    /// The group's VAT over its lines: each line gets its exact VAT rounded down, and the minor units
    /// still missing from the group's total go one each to the lines with the largest fractions. So the
    /// lines add up to the total and none is a full minor unit away from its own net × rate.
    /// </summary>
    internal static IReadOnlyList<Money> SpreadTax(Money total, decimal[] exactVat)
    {
        var unit = 1m / Pow10(total.Currency.MinorUnits);
        var floors = exactVat.Select(v => Math.Floor(v / unit)).ToArray();
        var missing = (int)(total.Amount / unit - floors.Sum());
        if (missing < 0 || missing > exactVat.Length)
            throw new InvalidOperationException($"VAT {total} cannot be spread over lines whose exact VAT is {string.Join(", ", exactVat)}.");
        foreach (var i in Enumerable.Range(0, exactVat.Length).OrderByDescending(i => exactVat[i] / unit - floors[i]).Take(missing))
            floors[i] += 1;
        return floors.Select(units => new Money(units * unit, total.Currency)).ToArray();
    }

    private static decimal Pow10(int exponent) => Enumerable.Repeat(10m, exponent).Aggregate(1m, (product, ten) => product * ten);

    private static Money Percent(Money amount, decimal percent) =>
        (amount * percent / 100m).Round(MidpointRounding.AwayFromZero);

    private static decimal Quantity(PriceComponentType component, decimal billedVolume) => component switch
    {
        PriceComponentType.Energy => Math.Round(billedVolume / WhPerKwh, QuantityDecimals, MidpointRounding.ToEven),
        PriceComponentType.Flat => billedVolume,
        _ => Math.Round(billedVolume / SecondsPerHour, QuantityDecimals, MidpointRounding.ToEven),
    };

    private static string Unit(PriceComponentType component) => component switch
    {
        PriceComponentType.Energy => "kWh",
        PriceComponentType.Flat => "session",
        _ => "h",
    };

    private static string Describe(PriceComponentType component) => component switch
    {
        PriceComponentType.Energy => "Energy",
        PriceComponentType.Time => "Charging time",
        PriceComponentType.ParkingTime => "Parking time",
        _ => "Session fee",
    };

    private static int ComponentOrder(PriceComponentType component) => component switch
    {
        PriceComponentType.Flat => 0,
        PriceComponentType.Energy => 1,
        PriceComponentType.Time => 2,
        _ => 3,
    };
}
