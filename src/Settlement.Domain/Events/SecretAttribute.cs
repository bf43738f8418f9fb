namespace Settlement.Domain.Events;

/// <summary>
/// A credential or its hash: kept in the ledger (a login is checked against it) but never shown. Every place that
/// hands event data out (the stream endpoint, the auditor's bundle) replaces such a field with
/// <see cref="Marker"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute
{
    public const string Marker = "[redacted]";
}
