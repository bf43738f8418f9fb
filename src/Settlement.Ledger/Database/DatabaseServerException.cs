namespace Settlement.Ledger.Database;

/// <summary>
/// The database server could not be found, installed, started or reached. The message is written for the
/// operator: it says what went wrong and what to do about it, so front ends can print it as it stands.
/// </summary>
public sealed class DatabaseServerException(string message, Exception? innerException = null)
    : Exception(message, innerException);
