using System.Text.RegularExpressions;

namespace Settlement.Domain.Events;

/// <summary>
/// The rule for ids that name streams (chargers, sites, tariffs, issuers, partners, invoice series): OCPP 2.0.1's
/// identifierString (Part 2 §2.1: at most 48 characters of a-z A-Z 0-9 * - _ = : + | @ .), which is also what a
/// charger's identity in its connection URL must be, less ':'. A charger id is the user-id of its HTTP Basic
/// credentials, where RFC 7617 forbids ':', and ':' separates a stream's family from its id. One rule for REST and
/// OCPP means an id the API accepts is one a charger can connect with, and none can reach a path, a query or a log line
/// as anything but an id.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 48;

    public const string Shape = "1 to 48 characters from A-Z a-z 0-9 * - _ = + | @ .";

    public static bool IsValid(string? id) => id is not null && Rule().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9*\-_=+|@.]{1,48}$")]
    private static partial Regex Rule();
}
