using System.Globalization;
using System.Text;

namespace Settlement.Tests.Receivables;

/// <summary>One booked entry of a statement as a bank writes it: a credit transfer received, or a debit.</summary>
internal sealed record CamtEntry(
    string? AccountServicerRef, string Direction, decimal Amount, string Currency = "EUR", string? Unstructured = null, string? CreditorRef = null,
    string? EndToEndId = null, string? Debtor = null, string Status = "BOOK", string BookingDate = "2026-12-07", string ValueDate = "2026-12-07");

/// <summary>camt.053 files as banks send them (group header, account, balances, entries with their transaction details), built in the tests.</summary>
internal static class CamtFiles
{
    public const string Iban = "DE89370400440532013000";

    public static string Statement(int version, string statementId, IReadOnlyList<CamtEntry> entries, string iban = Iban)
    {
        var ns = $"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:D2}";
        var credits = entries.Where(e => e.Direction == "CRDT").Sum(e => e.Amount);
        var debits = entries.Where(e => e.Direction == "DBIT").Sum(e => e.Amount);
        var xml = new StringBuilder();
        xml.Append($"""
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <BkToCstmrStmt>
                <GrpHdr><MsgId>MSG-{statementId}</MsgId><CreDtTm>2026-12-08T06:12:00+01:00</CreDtTm></GrpHdr>
                <Stmt>
                  <Id>{statementId}</Id>
                  <ElctrncSeqNb>42</ElctrncSeqNb>
                  <CreDtTm>2026-12-08T06:12:00+01:00</CreDtTm>
                  <FrToDt><FrDtTm>2026-12-07T00:00:00+01:00</FrDtTm><ToDtTm>2026-12-07T23:59:59+01:00</ToDtTm></FrToDt>
                  <Acct>
                    <Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>Settlement Charging GmbH</Nm></Ownr>
                    <Svcr><FinInstnId><{(version >= 4 ? "BICFI" : "BIC")}>COBADEFFXXX</{(version >= 4 ? "BICFI" : "BIC")}></FinInstnId></Svcr>
                  </Acct>
                  <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-07</Dt></Dt></Bal>
                  <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{Money(1000m + credits - debits)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-07</Dt></Dt></Bal>
                  <TxsSummry><TtlNtries><NbOfNtries>{entries.Count}</NbOfNtries></TtlNtries></TxsSummry>

            """);
        foreach (var entry in entries) xml.Append(Entry(version, entry));
        xml.Append("""
                </Stmt>
              </BkToCstmrStmt>
            </Document>
            """);
        return xml.ToString();
    }

    private static string Entry(int version, CamtEntry e)
    {
        var status = version >= 8 ? $"<Sts><Cd>{e.Status}</Cd></Sts>" : $"<Sts>{e.Status}</Sts>";
        var debtor = e.Debtor is null ? "" : version >= 8
            ? $"<RltdPties><Dbtr><Pty><Nm>{e.Debtor}</Nm></Pty></Dbtr></RltdPties>"
            : $"<RltdPties><Dbtr><Nm>{e.Debtor}</Nm></Dbtr></RltdPties>";
        var remittance = e.Unstructured is null && e.CreditorRef is null ? "" : "<RmtInf>"
            + (e.Unstructured is null ? "" : $"<Ustrd>{e.Unstructured}</Ustrd>")
            + (e.CreditorRef is null ? "" : $"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{e.CreditorRef}</Ref></CdtrRefInf></Strd>")
            + "</RmtInf>";
        var family = e.Direction == "CRDT" ? "RCDT" : "ICDT";
        return $"""
                  <Ntry>
                    <Amt Ccy="{e.Currency}">{Money(e.Amount)}</Amt>
                    <CdtDbtInd>{e.Direction}</CdtDbtInd>
                    {status}
                    <BookgDt><Dt>{e.BookingDate}</Dt></BookgDt>
                    <ValDt><Dt>{e.ValueDate}</Dt></ValDt>
                    {(e.AccountServicerRef is null ? "" : $"<AcctSvcrRef>{e.AccountServicerRef}</AcctSvcrRef>")}
                    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                    <NtryDtls><TxDtls>
                      <Refs><EndToEndId>{e.EndToEndId ?? "NOTPROVIDED"}</EndToEndId></Refs>
                      {debtor}
                      {remittance}
                    </TxDtls></NtryDtls>
                  </Ntry>

            """;
    }

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
