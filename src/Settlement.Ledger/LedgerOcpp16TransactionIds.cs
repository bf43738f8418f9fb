using Settlement.Ledger.Store;

namespace Settlement.Ledger;

public sealed partial class Ledger
{
    /// <summary>
    /// The next OCPP 1.6 transaction id (1.6 has the central system number transactions, as 32-bit integers), from a
    /// sequence the ledger's migration makes: the application role may not create it.
    /// </summary>
    public async Task<long> NextOcpp16TransactionIdAsync(CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT nextval('{LedgerStore.Ocpp16TransactionIds}')");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
