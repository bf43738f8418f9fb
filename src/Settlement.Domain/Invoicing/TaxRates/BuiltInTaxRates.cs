using NodaTime;

namespace Settlement.Domain.Invoicing.TaxRates;

/// <summary>
/// Standard rates the ledger knows without being told, from 2020-01-01 on: the VAT of the 27 EU member
/// states, the United Kingdom, Norway and Switzerland. They are defaults for the common case; whatever they
/// leave out, an operator records as a TaxRateSet, which takes precedence.
/// <list type="bullet">
/// <item>Jurisdictions are ISO codes, so Greece is "GR" (not "EL", its prefix in EU VAT numbers).</item>
/// <item>A rate starting 2020-01-01 may be older: that is where the table begins.</item>
/// <item>Only the standard rate of the national territory: not the reduced rates, nor regional ones
/// (Azores, Madeira, Canary Islands, Büsingen, Livigno and the like).</item>
/// <item>No US rates: a US supply owes state, county, city and special-district sales tax, which depends on the
/// site's address and changes quarterly, so the state's rate alone would under-charge. The operator defines each
/// site's rates (SiteSalesTaxDefined) and the engine never invents one.</item>
/// </list>
/// </summary>
public static class BuiltInTaxRates
{
    private static readonly LocalDate TableStart = new(2020, 1, 1);

    private const string EuropeanCommission = "European Commission, VAT rates applied in the Member States of the European Union (taxud.c.1)";

    public static IReadOnlyList<TaxRate> All { get; } =
    [
        .. Since2020("AT", 20m, EuropeanCommission),
        .. Since2020("BE", 21m, EuropeanCommission),
        .. Since2020("BG", 20m, EuropeanCommission),
        .. Since2020("CY", 19m, EuropeanCommission),
        .. Since2020("CZ", 21m, EuropeanCommission),
        .. Steps("DE",
            (TableStart, 19m, EuropeanCommission),
            (new(2020, 7, 1), 16m, "Federal Ministry of Finance, Second Corona Tax Relief Act (Zweites Corona-Steuerhilfegesetz), BGBl. I 2020 p. 1512"),
            (new(2021, 1, 1), 19m, "Federal Ministry of Finance, Second Corona Tax Relief Act, BGBl. I 2020 p. 1512: the reduction ended 2020-12-31")),
        .. Since2020("DK", 25m, EuropeanCommission),
        .. Steps("EE",
            (TableStart, 20m, EuropeanCommission),
            (new(2024, 1, 1), 22m, "Estonian Tax and Customs Board, Value-Added Tax Act amendment of 2023: standard rate 22 % from 2024-01-01"),
            (new(2025, 7, 1), 24m, "Estonian Tax and Customs Board, Security Tax Act of 2024 as amended in 2025: standard rate 24 % from 2025-07-01")),
        .. Since2020("ES", 21m, EuropeanCommission),
        .. Steps("FI",
            (TableStart, 24m, EuropeanCommission),
            (new(2024, 9, 1), 25.5m, "Finnish Tax Administration, general VAT rate 25.5 % from 2024-09-01")),
        .. Since2020("FR", 20m, EuropeanCommission),
        .. Since2020("GR", 24m, EuropeanCommission),
        .. Since2020("HR", 25m, EuropeanCommission),
        .. Since2020("HU", 27m, EuropeanCommission),
        .. Steps("IE",
            (TableStart, 23m, EuropeanCommission),
            (new(2020, 9, 1), 21m, "Irish Revenue, temporary standard rate of 21 % from 2020-09-01 to 2021-02-28 (July Jobs Stimulus)"),
            (new(2021, 3, 1), 23m, "Irish Revenue, standard rate of 23 % restored from 2021-03-01")),
        .. Since2020("IT", 22m, EuropeanCommission),
        .. Since2020("LT", 21m, EuropeanCommission),
        .. Steps("LU",
            (TableStart, 17m, EuropeanCommission),
            (new(2023, 1, 1), 16m, "Luxembourg Administration de l'enregistrement, des domaines et de la TVA, temporary standard rate of 16 % for 2023"),
            (new(2024, 1, 1), 17m, "Luxembourg Administration de l'enregistrement, des domaines et de la TVA, standard rate of 17 % restored from 2024-01-01")),
        .. Since2020("LV", 21m, EuropeanCommission),
        .. Since2020("MT", 18m, EuropeanCommission),
        .. Since2020("NL", 21m, EuropeanCommission),
        .. Since2020("PL", 23m, EuropeanCommission),
        .. Since2020("PT", 23m, EuropeanCommission),
        .. Steps("RO",
            (TableStart, 19m, EuropeanCommission),
            (new(2025, 8, 1), 21m, "Romanian National Agency for Fiscal Administration (ANAF), Law 141/2025: standard rate 21 % from 2025-08-01")),
        .. Since2020("SE", 25m, EuropeanCommission),
        .. Since2020("SI", 22m, EuropeanCommission),
        .. Steps("SK",
            (TableStart, 20m, EuropeanCommission),
            (new(2025, 1, 1), 23m, "Financial Administration of the Slovak Republic, standard rate 23 % from 2025-01-01")),

        .. Since2020("GB", 20m, "HM Revenue & Customs, VAT rates on goods and services"),
        .. Since2020("NO", 25m, "Norwegian Tax Administration (Skatteetaten), general VAT rate"),
        .. Steps("CH",
            (TableStart, 7.7m, "Swiss Federal Tax Administration, VAT rates 2018-2023"),
            (new(2024, 1, 1), 8.1m, "Swiss Federal Tax Administration, VAT rates from 2024-01-01 (AHV 21 financing)")),
    ];

    private static IEnumerable<TaxRate> Since2020(string jurisdiction, decimal ratePercent, string source) =>
        Steps(jurisdiction, (TableStart, ratePercent, source));

    /// <summary>
    /// A jurisdiction's rates as the dates they changed on: each step runs until the day before the next,
    /// the last without end, so consecutive rates can neither overlap nor leave a gap.
    /// </summary>
    private static IEnumerable<TaxRate> Steps(string jurisdiction, params (LocalDate From, decimal RatePercent, string Source)[] steps) =>
        steps.Select((step, i) => new TaxRate(
            jurisdiction,
            step.RatePercent,
            step.From,
            i + 1 < steps.Length ? steps[i + 1].From.PlusDays(-1) : null,
            step.Source));
}
