namespace Settlement.Host.Roaming.Ocpi;

/// <summary>Who we are on the OCPI network and how we deliver to partners. Bound from the "Ocpi" configuration section.</summary>
public sealed class OcpiOptions
{
    /// <summary>Our party's ISO 3166-1 alpha-2 country code. ("Ocpi:CountryCode")</summary>
    public string CountryCode { get; set; } = "DE";

    /// <summary>Our party id (3 characters, ISO 15118). ("Ocpi:PartyId")</summary>
    public string PartyId { get; set; } = "STL";

    public string Name { get; set; } = "Settlement CPO";

    /// <summary>
    /// The public base URL partners reach us at, e.g. https://cpo.example.com; null: the URL the request came in on
    /// (right on loopback, wrong behind a proxy). ("Ocpi:PublicUrl")
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The first retry of a failed push waits this long, each further one twice as long. ("Ocpi:RetrySeconds")</summary>
    public int RetrySeconds { get; set; } = 15;

    /// <summary>No retry waits longer: a partner down for hours gets its pushes within this long of coming back. ("Ocpi:MaxRetrySeconds")</summary>
    public int MaxRetrySeconds { get; set; } = 600;

    /// <summary>
    /// A running session's meter values are pushed at most this often to its partner; its start and end always are.
    /// ("Ocpi:SessionUpdateSeconds")
    /// </summary>
    public int SessionUpdateSeconds { get; set; } = 300;

    /// <summary>How long we wait for a partner's answer before counting the attempt failed. ("Ocpi:TimeoutSeconds")</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long a charger's Authorize waits for a partner's real-time authorisation before the registry answers (or, for a
    /// token the partner must always be asked about, the token is refused): OCPP chargers time out after a few seconds.
    /// ("Ocpi:RealTimeAuthorisationSeconds")
    /// </summary>
    public int RealTimeAuthorisationSeconds { get; set; } = 4;
}
