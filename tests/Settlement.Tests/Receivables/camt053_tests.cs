using System.Text;
using Settlement.Domain.Receivables;

namespace Settlement.Tests.Receivables;

public sealed class camt053_tests
{
    private static (BankStatement? Statement, IReadOnlyList<string> Problems) Parse(string xml) => Camt053.Parse(new MemoryStream(Encoding.UTF8.GetBytes(xml)));

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(8)]
    public void a_statement_of_each_version_reads_its_account_period_and_entries(int version)
    {
        var (statement, problems) = Parse(CamtFiles.Statement(version, "STMT-1", [
            new("BANKREF-1", "CRDT", 10.71m, Unstructured: "INV-000001 thank you", Debtor: "Max Muster", EndToEndId: "E2E-1"),
            new(null, "DBIT", 3.50m, Unstructured: "Bank fees"),
        ]));

        Assert.Empty(problems);
        Assert.Equal(("STMT-1", CamtFiles.Iban), (statement!.StatementId, statement.AccountIban));
        Assert.EndsWith($"camt.053.001.0{version}", statement.MessageNamespace);
        var credit = statement.Transactions[0];
        Assert.Equal((EntryDirection.Credit, 10.71m, "EUR", "Max Muster", $"{CamtFiles.Iban}/BANKREF-1", true),
            (credit.Direction, credit.Amount, credit.Currency, credit.Payer, credit.BankEntryId, credit.Booked));
        Assert.Equal(["INV-000001 thank you", "E2E-1"], credit.References);
        Assert.Equal(["INV-000001", "thank", "you", "E2E-1"], StatementMatching.CandidateReferences(credit));
        // Without a bank reference the id is a digest of the entry, the same in every statement listing it.
        Assert.StartsWith($"{CamtFiles.Iban}/sha256:", statement.Transactions[1].BankEntryId);
    }

    [Fact]
    public void a_document_type_declaration_is_refused_before_any_entity_is_expanded()
    {
        var xml = CamtFiles.Statement(8, "STMT-1", []).Replace("<Document ", "<!DOCTYPE Document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<Document ");

        var (statement, problems) = Parse(xml);

        Assert.Null(statement);
        Assert.Contains("without a DTD", Assert.Single(problems));
    }

    [Fact]
    public void problems_name_the_element_path_where_they_are()
    {
        var xml = CamtFiles.Statement(8, "STMT-1", [new("R1", "CRDT", 1m), new("R2", "CRDT", 2m)])
            .Replace(">2.00<", ">2,00<").Replace("<Amt Ccy=\"EUR\">1.00</Amt>", "<Amt Ccy=\"eur\">1.00</Amt>");

        var (statement, problems) = Parse(xml);

        Assert.Null(statement);
        Assert.Contains(problems, p => p.StartsWith("Stmt/Ntry[1]/Amt/@Ccy: 'eur' is not an ISO 4217 currency code", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Stmt/Ntry[2]/Amt: '2,00' is not an amount", StringComparison.Ordinal));
    }

    [Fact]
    public void another_message_than_camt_053_is_refused_naming_what_it_is()
    {
        var (_, problems) = Parse(CamtFiles.Statement(8, "STMT-1", []).Replace("camt.053.001.08", "camt.054.001.08"));

        Assert.Contains("camt.054.001.08", Assert.Single(problems));
    }

    [Fact]
    public void a_batch_entry_gives_one_transaction_per_detail_with_its_own_amount()
    {
        var xml = CamtFiles.Statement(2, "STMT-1", [new("BATCH-7", "CRDT", 30m, Unstructured: "INV-000001")]).Replace(
            "<NtryDtls><TxDtls>",
            "<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">10.00</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>INV-000002</Ustrd></RmtInf></TxDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">20.00</Amt></TxAmt></AmtDtls>");

        var (statement, problems) = Parse(xml);

        Assert.Empty(problems);
        Assert.Equal([(10.00m, $"{CamtFiles.Iban}/BATCH-7#1", "INV-000002"), (20.00m, $"{CamtFiles.Iban}/BATCH-7#2", "INV-000001")],
            statement!.Transactions.Select(t => (t.Amount, t.BankEntryId, t.Unstructured.Single())));
    }
}
