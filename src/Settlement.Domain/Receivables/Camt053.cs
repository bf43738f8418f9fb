using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using NodaTime;
using NodaTime.Text;

namespace Settlement.Domain.Receivables;

/// <summary>
/// One transaction of a statement as the bank reported it. A batch entry (several <c>TxDtls</c>) gives one per
/// transaction. <paramref name="StructuredReferences"/> are <c>RmtInf/Strd/CdtrRefInf/Ref</c>,
/// <paramref name="Unstructured"/> the <c>RmtInf/Ustrd</c> lines, <paramref name="EndToEndId"/> the payer's own reference.
/// </summary>
public sealed record BankTransaction(
    int EntryNo,
    string BankEntryId,
    EntryDirection Direction,
    decimal Amount,
    string Currency,
    LocalDate? BookingDate,
    LocalDate? ValueDate,
    string? Payer,
    IReadOnlyList<string> StructuredReferences,
    IReadOnlyList<string> Unstructured,
    string? EndToEndId,
    bool Booked,
    bool Reversal)
{
    /// <summary>Every reference as read, in the order they are tried: structured, unstructured, end-to-end.</summary>
    public IReadOnlyList<string> References => [.. StructuredReferences, .. Unstructured, .. EndToEndId is null ? [] : new[] { EndToEndId }];
}

/// <summary>A <c>BkToCstmrStmt/Stmt</c>: the bank's id for it, the account, the period it covers and its transactions.</summary>
public sealed record BankStatement(
    string StatementId, string AccountIban, string MessageNamespace, Instant? PeriodFrom, Instant? PeriodTo, IReadOnlyList<BankTransaction> Transactions);

/// <summary>
/// Reads an ISO 20022 camt.053 (BankToCustomerStatement, versions 001.02 to 001.08) safely: no DTD, no external
/// entity, at most <see cref="MaxBytes"/> and <see cref="MaxTransactions"/>, one statement per file; every problem names
/// the element path where it is (<c>Stmt/Ntry[3]/Amt</c>). Only what matching needs is read.
/// </summary>
public static partial class Camt053
{
    public const int MaxBytes = 5 * 1024 * 1024;
    public const int MaxTransactions = 10_000;
    private const string NamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";
    public static readonly IReadOnlyList<string> Namespaces = [.. Enumerable.Range(2, 7).Select(v => $"{NamespacePrefix}{v:D2}")];

    /// <summary>The statement, or every problem found (none of it is used then).</summary>
    public static (BankStatement? Statement, IReadOnlyList<string> Problems) Parse(Stream xml)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(xml, new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxBytes,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
            });
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            return (null, [$"The body is not well-formed XML without a DTD of at most {MaxBytes} characters: {e.Message}"]);
        }

        var root = document.Root!;
        var ns = root.Name.Namespace;
        if (root.Name.LocalName != "Document" || !Namespaces.Contains(ns.NamespaceName))
            return (null, [$"Document: expected <Document xmlns=\"{NamespacePrefix}NN\"> with NN 02 to 08 (camt.053), not <{root.Name.LocalName} xmlns=\"{ns.NamespaceName}\">."]);
        var statements = root.Elements(ns + "BkToCstmrStmt").Elements(ns + "Stmt").ToList();
        if (statements.Count != 1)
            return (null, [$"Document/BkToCstmrStmt/Stmt: expected exactly one statement per file, found {statements.Count}."]);

        var reading = new Reading(ns);
        var statement = reading.Statement(statements[0], "Stmt");
        return reading.Problems.Count > 0 ? (null, reading.Problems) : (statement, []);
    }

    private sealed class Reading(XNamespace ns)
    {
        public List<string> Problems { get; } = [];

        public BankStatement? Statement(XElement stmt, string path)
        {
            var id = Required(stmt, "Id", path);
            var iban = Text(stmt, path, "Acct", "Id", "IBAN");
            if (iban is null) Problems.Add($"{path}/Acct/Id/IBAN: the statement names no IBAN; only IBAN accounts are read.");
            else if (!IbanShape().IsMatch(iban)) Problems.Add($"{path}/Acct/Id/IBAN: '{iban}' is not an IBAN (2 letters, 2 digits, up to 30 letters or digits).");
            var from = Instant(stmt, path, "FrToDt", "FrDtTm");
            var to = Instant(stmt, path, "FrToDt", "ToDtTm");
            var transactions = new List<BankTransaction>();
            var entryNo = 0;
            foreach (var entry in stmt.Elements(ns + "Ntry"))
            {
                entryNo++;
                var entryPath = $"{path}/Ntry[{entryNo}]";
                transactions.AddRange(Entry(entry, entryPath, iban ?? "", transactions.Count + 1));
                if (transactions.Count > MaxTransactions)
                {
                    Problems.Add($"{entryPath}: a statement is read with at most {MaxTransactions} transactions; split it.");
                    break;
                }
            }
            return id is null || iban is null ? null : new BankStatement(id, iban, ns.NamespaceName, from, to, transactions);
        }

        private IEnumerable<BankTransaction> Entry(XElement entry, string path, string iban, int firstNo)
        {
            var (amount, currency) = Amount(entry.Element(ns + "Amt"), $"{path}/Amt");
            var direction = Required(entry, "CdtDbtInd", path) switch
            {
                "CRDT" => EntryDirection.Credit,
                "DBIT" => EntryDirection.Debit,
                null => EntryDirection.Debit,
                var other => Invalid(EntryDirection.Debit, $"{path}/CdtDbtInd: '{other}' is neither CRDT nor DBIT."),
            };
            var reversal = Text(entry, path, "RvslInd") is "true" or "1";
            // 001.02 to .07 write <Sts>BOOK</Sts>, 001.08 <Sts><Cd>BOOK</Cd></Sts>.
            var status = entry.Element(ns + "Sts") is { } sts ? (sts.Element(ns + "Cd")?.Value ?? sts.Value).Trim() : null;
            var booking = Date(entry, $"{path}/BookgDt", "BookgDt");
            var value = Date(entry, $"{path}/ValDt", "ValDt");
            var entryRef = Text(entry, path, "AcctSvcrRef") ?? Text(entry, path, "NtryRef");
            var details = entry.Elements(ns + "NtryDtls").Elements(ns + "TxDtls").ToList();
            if (details.Count == 0) details.Add(new XElement(ns + "TxDtls"));
            for (var i = 0; i < details.Count; i++)
            {
                var tx = details[i];
                var txPath = details.Count == 1 ? $"{path}/NtryDtls/TxDtls" : $"{path}/NtryDtls/TxDtls[{i + 1}]";
                var (txAmount, txCurrency) = details.Count == 1 ? (amount, currency) : TransactionAmount(tx, txPath, amount, currency);
                var structured = tx.Elements(ns + "RmtInf").Elements(ns + "Strd").Elements(ns + "CdtrRefInf").Elements(ns + "Ref")
                    .Select(r => r.Value.Trim()).Where(r => r.Length > 0).ToList();
                var unstructured = tx.Elements(ns + "RmtInf").Elements(ns + "Ustrd").Select(u => u.Value.Trim()).Where(u => u.Length > 0).ToList();
                var endToEnd = Text(tx, txPath, "Refs", "EndToEndId") is { } e2e && e2e != "NOTPROVIDED" ? e2e : null;
                // 001.02 to .07 name the debtor in RltdPties/Dbtr/Nm, 001.08 in RltdPties/Dbtr/Pty/Nm.
                var payer = Text(tx, txPath, "RltdPties", "Dbtr", "Nm") ?? Text(tx, txPath, "RltdPties", "Dbtr", "Pty", "Nm");
                var txRef = Text(tx, txPath, "Refs", "AcctSvcrRef") ?? (entryRef is null ? null : details.Count == 1 ? entryRef : $"{entryRef}#{i + 1}");
                var bankEntryId = txRef is not null
                    ? $"{iban}/{txRef}"
                    : $"{iban}/sha256:{Digest(booking, value, direction, txAmount, txCurrency, structured, unstructured, endToEnd, payer)}";
                yield return new BankTransaction(firstNo + i, bankEntryId, direction, txAmount, txCurrency, booking, value, payer,
                    structured, unstructured, endToEnd, Booked: status is null or "BOOK", reversal);
            }
        }

        /// <summary>A transaction's own amount in a batch entry: <c>Amt</c> (001.05 on) or <c>AmtDtls/TxAmt/Amt</c>.</summary>
        private (decimal, string) TransactionAmount(XElement tx, string path, decimal entryAmount, string entryCurrency)
        {
            if (tx.Element(ns + "Amt") is { } own) return Amount(own, $"{path}/Amt");
            if (tx.Element(ns + "AmtDtls")?.Element(ns + "TxAmt")?.Element(ns + "Amt") is { } detailed) return Amount(detailed, $"{path}/AmtDtls/TxAmt/Amt");
            Problems.Add($"{path}: a transaction of a batch entry needs its own Amt or AmtDtls/TxAmt/Amt (the entry's total is {entryAmount} {entryCurrency}).");
            return (0m, entryCurrency);
        }

        private (decimal, string) Amount(XElement? element, string path)
        {
            if (element is null)
            {
                Problems.Add($"{path}: missing; expected an amount like <Amt Ccy=\"EUR\">119.00</Amt>.");
                return (0m, "");
            }
            var currency = element.Attribute("Ccy")?.Value ?? "";
            if (!CurrencyShape().IsMatch(currency)) Problems.Add($"{path}/@Ccy: '{currency}' is not an ISO 4217 currency code like EUR.");
            if (!AmountShape().IsMatch(element.Value.Trim())
                || !decimal.TryParse(element.Value.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                Problems.Add($"{path}: '{Cut(element.Value)}' is not an amount like 119.00 (digits, a point, at most 5 decimals).");
                return (0m, currency);
            }
            return (amount, currency);
        }

        /// <summary>A date from <c>Dt</c>, or the date part of <c>DtTm</c> as the bank wrote it.</summary>
        private LocalDate? Date(XElement parent, string path, string name)
        {
            if (parent.Element(ns + name) is not { } element) return null;
            var text = (element.Element(ns + "Dt") ?? element.Element(ns + "DtTm"))?.Value.Trim();
            if (text is { Length: >= 10 } && LocalDatePattern.Iso.Parse(text[..10]) is { Success: true } date) return date.Value;
            Problems.Add($"{path}: expected Dt (2026-10-31) or DtTm (2026-10-31T10:00:00+01:00), not '{Cut(element.Value)}'.");
            return null;
        }

        private Instant? Instant(XElement parent, string path, params string[] names)
        {
            if (Text(parent, path, names) is not { } text) return null;
            if (OffsetDateTimePattern.ExtendedIso.Parse(text) is { Success: true } withOffset) return withOffset.Value.ToInstant();
            if (LocalDateTimePattern.ExtendedIso.Parse(text) is { Success: true } local) return local.Value.InUtc().ToInstant();
            Problems.Add($"{path}/{string.Join('/', names)}: '{Cut(text)}' is not a date and time like 2026-10-01T00:00:00+02:00.");
            return null;
        }

        private string? Required(XElement parent, string name, string path)
        {
            var text = Text(parent, path, name);
            if (text is null) Problems.Add($"{path}/{name}: missing.");
            return text;
        }

        private string? Text(XElement parent, string path, params string[] names)
        {
            XElement? element = parent;
            foreach (var name in names) element = element?.Element(ns + name);
            if (element is null || element.Value.Trim() is not { Length: > 0 } text) return null;
            if (text.Length > 140) Problems.Add($"{path}/{string.Join('/', names)}: at most 140 characters (ISO 20022 Max140Text), not {text.Length}.");
            return text;
        }

        private T Invalid<T>(T fallback, string problem)
        {
            Problems.Add(problem);
            return fallback;
        }
    }

    private static string Digest(LocalDate? booking, LocalDate? value, EntryDirection direction, decimal amount, string currency,
        IReadOnlyList<string> structured, IReadOnlyList<string> unstructured, string? endToEnd, string? payer)
    {
        var content = string.Join('\u001f', booking?.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture), value?.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture),
            direction, amount.ToString(CultureInfo.InvariantCulture), currency, string.Join('\u001e', structured), string.Join('\u001e', unstructured), endToEnd, payer);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..32];
    }

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")]
    private static partial Regex IbanShape();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyShape();

    [GeneratedRegex(@"^[0-9]{1,18}(\.[0-9]{1,5})?$")]
    private static partial Regex AmountShape();
}
