using Mediator;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Invoicing.Jurisdictions;

namespace Settlement.Domain.Invoicing;

/// <param name="OperatorId">The sub-operator whose legal identity the issuer is, recorded when first registered; null for the top-level operator's.</param>
/// <param name="PaymentTermsDays">Days from the issue date to the due date printed on its invoices; none printed when null.</param>
/// <param name="BankAccount">Where its invoices are paid to; none printed when null.</param>
public sealed record RegisterIssuer(
    string IssuerId, string LegalName, string Address, string CountryCode, IReadOnlyList<VatRegistration> VatRegistrations,
    int? PaymentTermsDays = null, PaymentAccount? BankAccount = null, string? OperatorId = null) : ICommand<Decision>
{
    /// <summary>An issuer with one VAT id, registered in its own country (the shape before registrations per country).</summary>
    public RegisterIssuer(string issuerId, string legalName, string address, string countryCode, string vatId, string? operatorId = null)
        : this(issuerId, legalName, address, countryCode, [new VatRegistration(countryCode, vatId)], OperatorId: operatorId) { }
}

/// <summary>The operator's tax point rule for a jurisdiction, with the law it follows.</summary>
public sealed record SetTaxPointRule(string Jurisdiction, TaxPointBasis Basis, int? IssuedWithinDays, string Source) : ICommand<Decision>;

/// <summary>An operator's decision for a site the boundaries cannot settle (on a border, or offshore).</summary>
public sealed record OverrideJurisdiction(string SiteId, string Jurisdiction, string Reason) : ICommand<Decision>;

public sealed record SetTaxRate(string Jurisdiction, decimal RatePercent, LocalDate ValidFrom, LocalDate? ValidThrough, string Source) : ICommand<Decision>;

/// <summary>One driver's invoice per session, numbered consecutively in <paramref name="Series"/>.</summary>
public sealed record IssueSessionInvoices(string IssuerId, IReadOnlyList<string> SessionIds, InvoiceParty? Buyer, string Series = InvoiceSeries.Sessions)
    : ICommand<Decision>;

/// <summary>
/// A roaming partner's invoices for its unbilled CDRs supplied in [From, Through]: one per agreement in force and
/// currency, since each states its agreement's commission once.
/// </summary>
public sealed record IssuePartnerInvoices(
    string IssuerId, string PartnerId, LocalDate From, LocalDate Through, InvoiceParty? Buyer, string Series = InvoiceSeries.Partners)
    : ICommand<Decision>;

/// <summary>Credits the given lines of an invoice (all still open ones when none are given).</summary>
public sealed record IssueCreditNote(string IssuerId, string InvoiceNumber, IReadOnlyList<int>? LineNos, string Reason, string Series = InvoiceSeries.CreditNotes)
    : ICommand<Decision>;

public static class InvoiceSeries
{
    public const string Sessions = "INV";
    public const string Partners = "B2B";
    public const string CreditNotes = "CN";
}

/// <summary>A registered issuer and the event its details come from.</summary>
/// <param name="OperatorId">The sub-operator it is the legal identity of; null for the top-level operator's.</param>
public sealed record InvoiceIssuer(InvoiceIssuerRegisteredV2 Registration, SourceEvent Source, string? OperatorId = null)
{
    public const string OssNote = "VAT declared under the OSS scheme (Union scheme, Articles 369a to 369k of Council Directive 2006/112/EC).";

    /// <summary>The header of a document issued under <paramref name="seller"/>, the registration its place of supply calls for.</summary>
    public InvoiceHeader Header(string series, long number, Instant issuedAt, InvoiceParty buyer, SellerRegistration seller, TaxPointRules? taxPoints) =>
        new(Registration.IssuerId, series, number, issuedAt,
            new InvoiceParty(Registration.LegalName, Registration.Address, Registration.CountryCode, seller.Registration.VatId),
            buyer, [Source], taxPoints, Registration.PaymentTermsDays, Registration.BankAccount, seller.Note);

    /// <summary>A header under the seller's identity exactly as an earlier document printed it: a credit note's, which corrects it.</summary>
    public InvoiceHeader Header(string series, long number, Instant issuedAt, InvoiceParty buyer, InvoiceParty seller, TaxPointRules? taxPoints) =>
        new(Registration.IssuerId, series, number, issuedAt, seller, buyer, [Source], taxPoints, Registration.PaymentTermsDays, Registration.BankAccount);

    /// <summary>
    /// The registration an invoice for a supply in <paramref name="countryCode"/> carries: the issuer's registration there;
    /// for a reverse-charged supply, where the buyer accounts for the VAT, the home one; for a supply to a consumer in
    /// another EU member state, the home one when it declares such supplies under the OSS scheme (said in a note). Null,
    /// with what to register, otherwise: VAT is never charged under another country's id.
    /// </summary>
    public (SellerRegistration? Seller, string? Problem) RegistrationFor(string countryCode, bool toConsumer, bool reverseCharged, string supply)
    {
        var registrations = Registration.VatRegistrations;
        if (registrations.FirstOrDefault(r => r.CountryCode == countryCode) is { } local) return (new(local, null), null);
        var home = Registration.HomeRegistration();
        if (reverseCharged && home is not null) return (new(home, null), null);
        var ossApplies = toConsumer && InvoiceDrafting.EuMemberStates.Contains(countryCode) && InvoiceDrafting.EuMemberStates.Contains(Registration.CountryCode);
        if (ossApplies && home is { Oss: true }) return (new(home, OssNote), null);
        return (null, $"Issuer {Registration.IssuerId} has no VAT registration in {countryCode} for {supply}: add one with POST /api/issuers "
                      + $"(vatRegistrations: {{ \"countryCode\": \"{countryCode}\", \"vatId\": ... }})"
                      + (ossApplies ? $", or declare supplies to consumers in other member states under the OSS scheme (\"oss\": true on the {Registration.CountryCode} registration)." : "."));
    }
}

/// <summary>The VAT registration a document is issued under, and the note that explains it where one is needed (OSS).</summary>
public sealed record SellerRegistration(VatRegistration Registration, string? Note);

/// <summary>A session a roaming partner's driver charged.</summary>
public sealed record RoamedSessionOf(string SessionId, string PartnerId);

/// <summary>A session an invoice bills already.</summary>
public sealed record BilledSession(string SessionId, string Invoice);

/// <summary>An issued invoice with what has been credited of it so far.</summary>
public sealed record CreditableDocument(InvoiceDocument Document, IReadOnlyList<int> CreditedLines, IReadOnlyList<string> CreditNotes)
{
    public IReadOnlyList<int> OpenLines => [.. Document.Lines.Select(l => l.LineNo).Except(CreditedLines)];
}

/// <summary>
/// What may be issued, and under which numbers. A document's number is its version in the stream of its issuer
/// and series: each decision is taken at the series' version (<c>SeriesVersion</c>) and appended at exactly that
/// version, so of two hosts issuing at once one wins and the other decides again, and numbers never repeat nor skip.
/// </summary>
public static class InvoiceIssuing
{
    private static readonly InvoiceParty AnonymousDriver = new("Ad-hoc customer", null, null, null);

    /// <param name="Sessions">The sessions ready to invoice, in the command's order; empty when <paramref name="SessionsRefusal"/> says why they are not.</param>
    /// <param name="SessionsRefusal">Why the sessions could not be made ready (unknown, running, unpriced, untaxable).</param>
    /// <param name="TaxPoints">The tax point rules in force; the built-in ones when null.</param>
    public sealed record SessionInvoicing(
        InvoiceIssuer? Issuer, long SeriesVersion, IReadOnlyList<InvoicedSession> Sessions, Refusal? SessionsRefusal,
        IReadOnlyList<RoamedSessionOf> Roamed, IReadOnlyList<BilledSession> Billed, TaxPointRules? TaxPoints = null);

    /// <param name="Cdrs">The partner's CDRs supplied in the period; empty when <paramref name="CdrsRefusal"/> says why their sessions cannot be read.</param>
    /// <param name="BilledCdrs">Those of the CDRs an invoice bills already (on a line not credited since).</param>
    /// <param name="SessionsWithoutCdr">The partner's stopped sessions supplied in the period that no CDR bills yet.</param>
    public sealed record PartnerInvoicing(
        InvoiceIssuer? Issuer, InvoicedPartner? Partner, long SeriesVersion, IReadOnlyList<InvoicedCdr> Cdrs, Refusal? CdrsRefusal,
        IReadOnlyList<string> BilledCdrs, IReadOnlyList<string> SessionsWithoutCdr, TaxPointRules? TaxPoints = null);

    /// <summary>The longest period one request may invoice: a year, four quarterly settlements.</summary>
    public const int MaxPeriodDays = 366;

    public sealed record CreditNoting(InvoiceIssuer? Issuer, long SeriesVersion, CreditableDocument? Invoice);

    /// <summary>The most VAT registrations one issuer holds: one per EU member state, and a few more.</summary>
    public const int MaxVatRegistrations = 40;

    /// <summary>
    /// A first registration by or for a sub-operator also records that the issuer is its own; a later one only updates the details.
    /// Refused, naming every problem, for a VAT id not of its country's format or check digit, a country registered twice, OSS
    /// on another than the home registration, or an IBAN whose check digits fail.
    /// </summary>
    public static Decision Decide(RegisterIssuer command, Instant now, bool registeredBefore = false)
    {
        if (RegistrationProblems(command) is { Count: > 0 } problems) return Decision.Refuse(RefusalKind.Unprocessable, problems);
        var registered = new InvoiceIssuerRegisteredV2(command.IssuerId, command.LegalName, command.Address, command.CountryCode,
            command.VatRegistrations, command.PaymentTermsDays, command.BankAccount, now);
        return registeredBefore
            ? Decision.Accept(registered)
            : Decision.Accept([registered, .. Access.SubOperators.ClaimedBy(command.OperatorId, registered, now)]);
    }

    private static List<string> RegistrationProblems(RegisterIssuer command)
    {
        var problems = new List<string>();
        var registrations = command.VatRegistrations ?? [];
        if (registrations.Count == 0)
            problems.Add("vatRegistrations: at least one VAT registration, e.g. [{ \"countryCode\": \"DE\", \"vatId\": \"DE300000002\" }]");
        if (registrations.Count > MaxVatRegistrations)
            problems.Add($"vatRegistrations: at most {MaxVatRegistrations} registrations");
        foreach (var (registration, i) in registrations.Take(MaxVatRegistrations).Select((r, i) => (r, i)))
        {
            var field = $"vatRegistrations[{i}]";
            if (registration.CountryCode is not { Length: 2 } country || !country.All(char.IsAsciiLetterUpper))
                problems.Add($"{field}.countryCode: an ISO 3166-1 alpha-2 country code in upper case, e.g. FR");
            else if (VatIds.Validate(country, registration.VatId ?? "") is { } expected)
                problems.Add($"{field}.vatId: {expected}");
            if (registration.Oss && registration.CountryCode != command.CountryCode)
                problems.Add($"{field}.oss: only the home registration ({command.CountryCode}) files OSS returns");
        }
        foreach (var twice in registrations.GroupBy(r => r.CountryCode).Where(g => g.Count() > 1))
            problems.Add($"vatRegistrations: {twice.Key} is registered {twice.Count()} times; one registration per country");
        if (command.PaymentTermsDays is < 0 or > 365)
            problems.Add("paymentTermsDays: a whole number of days from 0 to 365");
        if (command.BankAccount is { } account)
        {
            if (!Ibans.IsValid(account.Iban))
                problems.Add("bankAccount.iban: an IBAN of 2 letters, 2 check digits and up to 30 letters and digits whose mod-97 check gives 1, e.g. DE89370400440532013000");
            if (account.Bic is { } bic && !System.Text.RegularExpressions.Regex.IsMatch(bic, "^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$"))
                problems.Add("bankAccount.bic: a BIC of 8 or 11 letters and digits, e.g. COBADEFFXXX");
            if (string.IsNullOrWhiteSpace(account.AccountHolder) || account.AccountHolder.Length > 70)
                problems.Add("bankAccount.accountHolder: the account holder's name, 1 to 70 characters");
        }
        return problems;
    }

    public static Decision Decide(SetTaxPointRule command, Instant now)
    {
        var problems = new List<string>();
        if (command.Jurisdiction is null || !System.Text.RegularExpressions.Regex.IsMatch(command.Jurisdiction, "^[A-Z]{2}(-[A-Z0-9]{1,3})?$"))
            problems.Add("jurisdiction: an ISO 3166-1 country (\"PL\") or ISO 3166-2 subdivision (\"US-CO\")");
        if (command.IssuedWithinDays is { } days && (command.Basis != TaxPointBasis.IssueDate || days is < 1 or > 366))
            problems.Add("issuedWithinDays: with basis issueDate only, 1 to 366 days");
        if (string.IsNullOrWhiteSpace(command.Source) || command.Source.Length > 500)
            problems.Add("source: the provision the rule follows, 1 to 500 characters (e.g. \"Art. 19a ust. 5 pkt 4 ustawy o VAT\")");
        return problems.Count > 0
            ? Decision.Refuse(RefusalKind.Unprocessable, problems)
            : Decision.Accept(new TaxPointRuleSet(command.Jurisdiction!, command.Basis, command.IssuedWithinDays, command.Source, now));
    }

    /// <summary>
    /// A site whose jurisdiction was never recorded gets the one its position lies in, by the given boundaries;
    /// a position in none of them (offshore, say) needs an operator's override.
    /// </summary>
    public static Decision ResolveJurisdiction(string siteId, decimal latitude, decimal longitude, JurisdictionResolver boundaries, Instant now) =>
        boundaries.Resolve(latitude, longitude) is { } match
            ? Decision.Accept(new SiteJurisdictionResolved(siteId, match.Jurisdiction, match.CountryCode, JurisdictionMethod.Boundaries,
                match.Source, match.NearBorderWith, Note: null, now))
            : Decision.Refuse(RefusalKind.Unprocessable,
                $"Site {siteId} at {latitude}, {longitude} lies in no jurisdiction of the bundled boundaries ({boundaries.Source}); record one with POST /api/sites/{siteId}/jurisdiction.");

    public static Decision Decide(bool siteRegistered, OverrideJurisdiction command, Instant now)
    {
        if (!siteRegistered)
            return Decision.Refuse(RefusalKind.NotFound, $"Site {command.SiteId} is not registered.");
        if (string.IsNullOrWhiteSpace(command.Reason))
            return Decision.Refuse(RefusalKind.Unprocessable, "An override needs a reason (e.g. the site's address and the authority that confirmed it).");
        return Decision.Accept(new SiteJurisdictionResolved(command.SiteId, command.Jurisdiction, command.Jurisdiction[..Math.Min(2, command.Jurisdiction.Length)],
            JurisdictionMethod.Override, "operator", [], command.Reason, now));
    }

    /// <summary>A US jurisdiction is refused: its sales tax is levied by state, county, city and district, so it is set per site.</summary>
    public static Decision Decide(SetTaxRate command, Instant now) =>
        command.Jurisdiction?.StartsWith("US", StringComparison.Ordinal) == true
            ? Decision.Refuse(RefusalKind.Unprocessable,
                $"jurisdiction: {command.Jurisdiction} levies US sales tax by state, county, city and district, which depends on a site's address: set it per site with PUT /api/sites/{{siteId}}/sales-tax.")
        : command.ValidThrough < command.ValidFrom
            ? Decision.Refuse(RefusalKind.Unprocessable, $"validThrough {command.ValidThrough} is before validFrom {command.ValidFrom}.")
            : Decision.Accept(new TaxRateSet(command.Jurisdiction!, command.RatePercent, command.ValidFrom, command.ValidThrough, command.Source, now));

    /// <summary>Refused whole when any session is listed twice, not stopped and priced, billed already, or a roaming partner's.</summary>
    public static Decision Decide(SessionInvoicing state, IssueSessionInvoices command, Instant now)
    {
        if (command.SessionIds.Count == 0) return Decision.Accept();
        if (command.SessionIds.Distinct().Count() != command.SessionIds.Count)
            return Decision.Refuse(RefusalKind.Unprocessable, "A session is listed twice.");
        if (state.Issuer is not { } issuer) return NoIssuer(command.IssuerId);
        if (state.SessionsRefusal is { } notReady) return Decision.Refuse(notReady.Kind, notReady.Problems);
        if (state.Sessions.FirstOrDefault(s => s.OperatorId != issuer.OperatorId) is { } elsewhere)
            return Decision.Refuse(RefusalKind.Unprocessable,
                $"Session {elsewhere.SessionId} was supplied at site {elsewhere.SiteId} of {OperatorName(elsewhere.OperatorId)}, but issuer {command.IssuerId} is "
                + $"the legal identity of {OperatorName(issuer.OperatorId)}: invoice it with an issuer of {OperatorName(elsewhere.OperatorId)}.");
        if (state.Roamed.FirstOrDefault() is { } roamed)
            return Decision.Refuse(RefusalKind.Conflict,
                $"Session {roamed.SessionId} was charged by a driver of roaming partner {roamed.PartnerId}: it is billed to the partner, not the driver.");
        if (state.Billed.FirstOrDefault() is { } billed)
            return Decision.Refuse(RefusalKind.Conflict,
                $"Session {billed.SessionId} is billed already by {billed.Invoice}; credit that invoice first to bill it again.");
        var buyer = command.Buyer ?? AnonymousDriver;
        if (BuyerVatIdProblem(buyer) is { } badBuyer) return Decision.Refuse(RefusalKind.Unprocessable, badBuyer);
        var sellers = state.Sessions.Select(session => issuer.RegistrationFor(session.Tax.CountryCode, toConsumer: string.IsNullOrWhiteSpace(buyer.VatId),
            reverseCharged: false, $"session {session.SessionId} at site {session.SiteId}")).ToList();
        if (sellers.Where(s => s.Problem is not null).Select(s => s.Problem!).ToList() is { Count: > 0 } unregistered)
            return Decision.Refuse(RefusalKind.Unprocessable, unregistered);
        return Issue(state.Sessions.Select((session, i) =>
            InvoiceDrafting.ForSession(issuer.Header(command.Series, state.SeriesVersion + 1 + i, now, buyer, sellers[i].Seller!, state.TaxPoints), session)));
    }

    /// <summary>
    /// Only the CDRs no invoice bills yet, at the issuer's sites; refused when none is left. Refused whole, naming every
    /// CDR, when one cannot be billed as the partner received it: no agreement in force on its supply date, a currency
    /// other than the agreement's, an amount in fractions of a minor unit, or VAT other than the invoice must charge
    /// (more than a minor unit from net × rate, or any when reverse-charged): its line would not equal its total_cost.
    /// </summary>
    public static Decision Decide(PartnerInvoicing state, IssuePartnerInvoices command, Instant now)
    {
        if (command.PartnerId is not { } partnerId || !System.Text.RegularExpressions.Regex.IsMatch(partnerId, Roaming.OcpiIds.PartnerIdPattern))
            return Decision.Refuse(RefusalKind.Unprocessable, "partnerId must be an OCPI partner id: its country code and party id, e.g. NL-EMS.");
        if (command.Through < command.From)
            return Decision.Refuse(RefusalKind.Unprocessable, $"The period ends ({command.Through}) before it starts ({command.From}).");
        if (Period.DaysBetween(command.From, command.Through) >= MaxPeriodDays)
            return Decision.Refuse(RefusalKind.Unprocessable, $"The period from {command.From} through {command.Through} is longer than {MaxPeriodDays} days; invoice it in settlement periods.");
        if (state.Issuer is not { } issuer) return NoIssuer(command.IssuerId);
        if (state.Partner is not { } partner)
            return Decision.Refuse(RefusalKind.NotFound, $"No roaming partner '{command.PartnerId}' is registered.");
        if (state.CdrsRefusal is { } notReady) return Decision.Refuse(notReady.Kind, notReady.Problems);
        var billed = state.BilledCdrs.ToHashSet();
        // A partner's drivers charge at every sub-operator's sites; each bills the partner for its own sites only.
        var unbilled = state.Cdrs.Where(c => !billed.Contains(c.Cdr.CdrId) && c.Session.OperatorId == issuer.OperatorId).ToList();
        if (unbilled.Count == 0)
            return Decision.Refuse(RefusalKind.Conflict,
                $"Partner {command.PartnerId} has no unbilled CDRs supplied from {command.From:uuuu-MM-dd} through {command.Through:uuuu-MM-dd} at sites of {OperatorName(issuer.OperatorId)}"
                + (state.SessionsWithoutCdr.Count > 0 ? $"; sessions without a CDR yet: {string.Join(", ", state.SessionsWithoutCdr)}." : "."));

        var billTo = command.Buyer ?? new InvoiceParty(partner.Name, null, partner.CountryCode, null);
        if (BuyerVatIdProblem(billTo) is { } badBuyer) return Decision.Refuse(RefusalKind.Unprocessable, badBuyer);
        var problems = new List<string>();
        var byAgreement = new List<(AgreementTerm Agreement, InvoicedCdr Cdr, SellerRegistration Seller)>();
        foreach (var cdr in unbilled)
        {
            var (seller, unregistered) = issuer.RegistrationFor(cdr.Session.Tax.CountryCode, toConsumer: false,
                InvoiceDrafting.IsReverseCharged(billTo, cdr.Session.Tax), $"CDR {cdr.Cdr.CdrId} at site {cdr.Session.SiteId}");
            if (partner.InForceOn(cdr.SupplyDate) is not { } agreement)
                problems.Add($"CDR {cdr.Cdr.CdrId}: partner {command.PartnerId} has no roaming agreement in force on {cdr.SupplyDate:uuuu-MM-dd}.");
            else if (ProblemOf(cdr, agreement) is { } problem)
                problems.Add(problem);
            else if (unregistered is not null)
                problems.Add(unregistered);
            else
                byAgreement.Add((agreement, cdr, seller!));
        }
        if (problems.Count > 0) return Decision.Refuse(RefusalKind.Unprocessable, problems);

        // One invoice per agreement, currency and the VAT registration its supplies are invoiced under.
        return Issue(byAgreement
            .GroupBy(x => (x.Agreement, x.Cdr.Cdr.Currency, x.Seller))
            .OrderBy(g => g.Key.Agreement.EffectiveFrom ?? LocalDate.MinIsoValue).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Seller.Registration.CountryCode, StringComparer.Ordinal)
            .Select((group, i) => InvoiceDrafting.ForPartner(
                issuer.Header(command.Series, state.SeriesVersion + 1 + i, now, billTo, group.Key.Seller, state.TaxPoints), command.PartnerId, group.Key.Agreement,
                command.From, command.Through, [.. group.Select(x => x.Cdr)], state.SessionsWithoutCdr)));
    }

    /// <summary>Why the CDR cannot be a line of this partner's invoice (currency, fractions of a cent); null when it can.</summary>
    private static string? ProblemOf(InvoicedCdr cdr, AgreementTerm agreement)
    {
        var id = cdr.Cdr.CdrId;
        if (agreement.Currency is { } settled && cdr.Cdr.Currency != settled)
            return $"CDR {id} is priced in {cdr.Cdr.Currency}, but the roaming agreement in force on {cdr.SupplyDate:uuuu-MM-dd} settles in {settled}.";
        if (Monetary.Currency.FromCode(cdr.Cdr.Currency) is var currency
            && (new Monetary.Money(cdr.Cdr.TotalCost.ExclVat, currency) is not { IsWholeMinorUnits: true }
                || new Monetary.Money(cdr.Gross, currency) is not { IsWholeMinorUnits: true }))
            return $"CDR {id}: total_cost {cdr.Cdr.TotalCost.ExclVat} excl. VAT / {cdr.Gross} incl. VAT is not in whole minor units of {currency.Code}.";
        return null;
    }

    /// <summary>
    /// A buyer's VAT id decides reverse charge, so one not of its country's format (or check digit) is refused rather than
    /// printed; a VAT id needs the buyer's country to be checked against.
    /// </summary>
    private static string? BuyerVatIdProblem(InvoiceParty buyer) => buyer.VatId switch
    {
        null or "" => null,
        _ when buyer.CountryCode is not { Length: 2 } => "buyer.countryCode: the buyer's ISO 3166-1 alpha-2 country, which its vatId is checked against",
        { } vatId when VatIds.Validate(buyer.CountryCode, vatId) is { } expected => $"buyer.vatId: {expected}",
        _ => null,
    };

    private static string OperatorName(string? operatorId) => operatorId is null ? "the top-level operator" : $"sub-operator {operatorId}";

    /// <summary>Only invoices are credited, each line at most once.</summary>
    public static Decision Decide(CreditNoting state, IssueCreditNote command, Instant now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason))
            return Decision.Refuse(RefusalKind.Unprocessable, "A credit note needs a reason.");
        if (state.Issuer is not { } issuer) return NoIssuer(command.IssuerId);
        var number = command.InvoiceNumber;
        if (state.Invoice is not { } invoice)
            return Decision.Refuse(RefusalKind.NotFound, $"Issuer {command.IssuerId} has no document {number}.");
        if (invoice.Document.Kind == InvoiceKind.CreditNote)
            return Decision.Refuse(RefusalKind.Unprocessable, $"{number} is a credit note; only invoices are credited.");
        var lines = command.LineNos is { Count: > 0 } ? command.LineNos.Distinct().ToList() : invoice.OpenLines;
        if (lines.Count == 0)
            return Decision.Refuse(RefusalKind.Conflict, $"Every line of {number} is credited already (by {string.Join(", ", invoice.CreditNotes)}).");
        if (lines.Except(invoice.Document.Lines.Select(l => l.LineNo)).ToList() is { Count: > 0 } unknown)
            return Decision.Refuse(RefusalKind.Unprocessable,
                $"{number} has lines 1 to {invoice.Document.Lines.Count}; there is no line {string.Join(", ", unknown)}.");
        if (lines.Intersect(invoice.CreditedLines).ToList() is { Count: > 0 } credited)
            return Decision.Refuse(RefusalKind.Conflict,
                $"Line {string.Join(", ", credited)} of {number} is credited already (by {string.Join(", ", invoice.CreditNotes)}).");
        // Under the seller's identity the invoice was issued under: a correction is declared where the invoice was.
        return Issue([InvoiceDrafting.CreditNote(issuer.Header(command.Series, state.SeriesVersion + 1, now, invoice.Document.Buyer, invoice.Document.Seller, taxPoints: null),
            invoice.Document, lines, command.Reason)]);
    }

    /// <summary>The documents an accepted issuing decision issues, in number order.</summary>
    public static IReadOnlyList<InvoiceDocument> DocumentsOf(Decision decision) =>
        [.. decision.Events.Select(e => e switch
        {
            InvoiceIssued issued => issued.Invoice,
            CreditNoteIssued note => note.CreditNote,
            _ => throw new ArgumentException($"{e.GetType().Name} issues no document.", nameof(decision)),
        })];

    private static Decision NoIssuer(string issuerId) =>
        Decision.Refuse(RefusalKind.NotFound, $"No invoice issuer '{issuerId}' is registered; register it with POST /api/issuers.");

    private static Decision Issue(IEnumerable<InvoiceDocument> documents) =>
        Decision.Accept([.. documents.Select(d => d.Kind == InvoiceKind.CreditNote ? (object)new CreditNoteIssued(d) : new InvoiceIssued(d))]);
}
