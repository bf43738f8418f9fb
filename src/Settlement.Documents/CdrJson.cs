using Settlement.Domain.Roaming;
using static Settlement.Documents.DocumentNumbers;

namespace Settlement.Documents;

/// <summary>
/// A charge detail record sent to a roaming partner, as JSON laid out like the invoice JSON. Amounts are
/// written exactly as issued (OCPI allows more decimals than the currency's minor units), as strings.
/// </summary>
public static class CdrJson
{
    public static byte[] Render(CdrIssued cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        return DocumentJson.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("cdrId", cdr.CdrId);
            json.WriteString("partnerId", cdr.PartnerId);
            json.WriteString("sessionId", cdr.SessionId);
            json.WriteString("currency", cdr.Currency);
            json.WriteString("totalCostExclVat", Plain(cdr.TotalCostExclVat));
            json.WriteString("totalCostInclVat", Plain(cdr.TotalCostInclVat));
            json.WriteString("totalEnergyKwh", Plain(cdr.TotalEnergyKwh));
            json.WriteString("startedAt", DocumentDates.Instant(cdr.StartedAt));
            json.WriteString("endedAt", DocumentDates.Instant(cdr.EndedAt));
            json.WriteString("issuedAt", DocumentDates.Instant(cdr.IssuedAt));
            json.WriteEndObject();
        });
    }
}
