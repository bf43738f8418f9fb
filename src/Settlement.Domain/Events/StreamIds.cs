namespace Settlement.Domain.Events;

/// <summary>Stream keys are prefixed by what they hold, so ids from different families never collide.</summary>
public static class StreamIds
{
    public static string Site(string siteId) => $"site:{siteId}";
    public static string Charger(string chargerId) => $"charger:{chargerId}";
    public static string Session(string sessionId) => $"session:{sessionId}";
    public static string Tariff(string tariffId) => $"tariff:{tariffId}";
    public static string RoamingPartner(string partnerId) => $"partner:{partnerId}";
}
