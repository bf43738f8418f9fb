using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Settlement.Domain.Drivers;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Settlement.Ledger.Drivers;

/// <summary>One driver's pseudonym and key, found by the driver's token.</summary>
public sealed record DriverKey(string DriverRef, byte[] Key);

/// <summary>
/// The drivers' keys, beside the ledger and not part of it: this table is mutable, the events are not.
/// A token is found through its blind index (an HMAC under the vault secret), never stored in plain;
/// each driver key is stored wrapped under the vault secret. Erasing a driver deletes its row, after
/// which everything sealed under its key is unreadable and no token leads to its pseudonym any more.
/// </summary>
public sealed class DriverVault
{
    public const string Table = "driver_keys";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int KeyBytes = 32;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly byte[] _blindIndexKey;
    private readonly byte[] _wrappingKey;

    public DriverVault(NpgsqlDataSource dataSource, string schema, VaultSecret secret)
    {
        _dataSource = dataSource;
        _table = $"{schema}.{Table}";
        // Two purposes, two keys: knowing one never helps with the other.
        _blindIndexKey = HMACSHA256.HashData(secret.Value, "settlement blind index"u8);
        _wrappingKey = HMACSHA256.HashData(secret.Value, "settlement driver key wrapping"u8);
        IsDevelopmentSecret = secret.IsDevelopmentDefault;
    }

    public bool IsDevelopmentSecret { get; }

    public static Weasel.Postgresql.Tables.Table SchemaObject(string schema)
    {
        var table = new Weasel.Postgresql.Tables.Table(new PostgresqlObjectName(schema, Table, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("driver_ref").AsPrimaryKey();
        table.AddColumn("blind_index", "bytea").NotNull();
        table.AddColumn("wrapped_key", "bytea").NotNull();
        table.AddColumn("created_at", "timestamptz").NotNull();
        table.Indexes.Add(new IndexDefinition($"{Table}_blind_index") { Columns = ["blind_index"], IsUnique = true });
        return table;
    }

    /// <summary>The token's driver, created (new pseudonym, new key) the first time the token is seen.</summary>
    public async Task<DriverKey> DriverForAsync(string token, CancellationToken ct = default)
    {
        var blindIndex = BlindIndex(token);
        if (await FindAsync(blindIndex, ct) is { } known) return known;

        var driverRef = NewDriverRef(RandomNumberGenerator.GetBytes(16));
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        await using (var insert = _dataSource.CreateCommand(
            $"INSERT INTO {_table} (driver_ref, blind_index, wrapped_key, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (blind_index) DO NOTHING"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = driverRef });
            insert.Parameters.Add(new NpgsqlParameter { Value = blindIndex, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = Encrypt(_wrappingKey, key, driverRef, RandomNumberGenerator.Fill), NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await insert.ExecuteNonQueryAsync(ct) == 1) return new DriverKey(driverRef, key);
        }
        // Another writer created the same token's driver first: use theirs.
        return await FindAsync(blindIndex, ct)
               ?? throw new InvalidOperationException("A driver was created and erased while this one was being created; try again.");
    }

    /// <summary>The token's pseudonym, without creating one; null when the token is unknown (or erased).</summary>
    public async Task<string?> FindDriverRefAsync(string token, CancellationToken ct = default) =>
        (await FindAsync(BlindIndex(token), ct))?.DriverRef;

    public async Task<bool> HoldsKeyAsync(string driverRef, CancellationToken ct = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT 1 FROM {_table} WHERE driver_ref = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = driverRef });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Finds or creates the token's driver and seals the token under its key.</summary>
    public async Task<DriverSealed> SealTokenAsync(string token, CancellationToken ct = default) =>
        Seal(await DriverForAsync(token, ct), token);

    /// <summary>AES-256-GCM under the driver's key, bound to the pseudonym so a value cannot be moved to another driver.</summary>
    public static DriverSealed Seal(DriverKey driver, string value) =>
        new(driver.DriverRef, Convert.ToBase64String(Encrypt(driver.Key, Encoding.UTF8.GetBytes(value), driver.DriverRef, RandomNumberGenerator.Fill)));

    internal static DriverSealed Seal(DriverKey driver, string value, Action<Span<byte>> fillNonce) =>
        new(driver.DriverRef, Convert.ToBase64String(Encrypt(driver.Key, Encoding.UTF8.GetBytes(value), driver.DriverRef, fillNonce)));

    internal static string NewDriverRef(byte[] random16) => "drv_" + Convert.ToHexStringLower(random16);

    /// <summary>Stores drivers made off the database (<see cref="DriverKeyring"/>); a token the vault already knows is refused.</summary>
    public async Task RegisterAsync(DriverKeyring keyring, CancellationToken ct = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var (token, driver) in keyring.Drivers)
        {
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {_table} (driver_ref, blind_index, wrapped_key, created_at) VALUES ($1, $2, $3, now())", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = driver.DriverRef });
            insert.Parameters.Add(new NpgsqlParameter { Value = BlindIndex(token), NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = Encrypt(_wrappingKey, driver.Key, driver.DriverRef, RandomNumberGenerator.Fill), NpgsqlDbType = NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>The value in plain; null once the driver was erased. A v1 record's plain value is returned as it was stored.</summary>
    public async Task<string?> UnsealAsync(DriverSealed sealedValue, CancellationToken ct = default)
    {
        if (sealedValue.PlainIdentifier() is { } plain) return plain;
        await using var command = _dataSource.CreateCommand($"SELECT wrapped_key FROM {_table} WHERE driver_ref = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = sealedValue.DriverRef });
        if (await command.ExecuteScalarAsync(ct) is not byte[] wrapped) return null;
        var key = Decrypt(_wrappingKey, wrapped, sealedValue.DriverRef);
        return Encoding.UTF8.GetString(Decrypt(key, Convert.FromBase64String(sealedValue.Ciphertext), sealedValue.DriverRef));
    }

    /// <summary>Deletes the driver's key and token link; Marten's placeholder, for a statement in an append's transaction.</summary>
    internal string EraseStatement => $"DELETE FROM {_table} WHERE driver_ref = ?";

    private async Task<DriverKey?> FindAsync(byte[] blindIndex, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand($"SELECT driver_ref, wrapped_key FROM {_table} WHERE blind_index = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = blindIndex, NpgsqlDbType = NpgsqlDbType.Bytea });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var driverRef = reader.GetString(0);
        return new DriverKey(driverRef, Decrypt(_wrappingKey, (byte[])reader[1], driverRef));
    }

    private byte[] BlindIndex(string token) => HMACSHA256.HashData(_blindIndexKey, Encoding.UTF8.GetBytes(token));

    private static byte[] Encrypt(byte[] key, byte[] plaintext, string driverRef, Action<Span<byte>> fillNonce)
    {
        var sealedBytes = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        fillNonce(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes, plaintext.Length), sealedBytes.AsSpan(NonceBytes + plaintext.Length), Encoding.UTF8.GetBytes(driverRef));
        return sealedBytes;
    }

    private static byte[] Decrypt(byte[] key, byte[] sealedBytes, string driverRef)
    {
        var plaintext = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plaintext.Length), sealedBytes.AsSpan(NonceBytes + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(driverRef));
        return plaintext;
    }
}
