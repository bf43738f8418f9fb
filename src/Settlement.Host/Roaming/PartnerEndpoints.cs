using System.Text.RegularExpressions;
using Marten;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Settlement.Domain.Deciding;
using Settlement.Domain.Events;
using Settlement.Domain.Roaming;
using Settlement.Host.Access;
using Settlement.Host.Roaming.Ocpi;
using Settlement.Projections.Roaming;

namespace Settlement.Host.Roaming;

/// <summary>
/// The operator's side of roaming: invite a partner (its token A is answered once, with our versions URL, to hand
/// over outside OCPI), read partners and their agreements, change an agreement, end a connection, and read what was
/// exchanged with a partner and what is owed to it. Roaming is the top-level operator's: a sub-operator's keys are
/// refused (403). No answer carries a token B, a key's verifier or a token C.
/// </summary>
public static partial class PartnerEndpoints
{
    public sealed record InvitePartnerBody(string Name, string CountryCode, string PartyId, RoamingAgreement Agreement);

    public sealed record ChangeAgreementBody(decimal CommissionPercent, string Currency, SettlementPeriod SettlementPeriod, LocalDate EffectiveFrom);

    public sealed record UnregisterPartnerBody(string Reason);

    public sealed record PartnerView(string PartnerId, string Name, OcpiPartnerStatus Status, RoamingAgreement Agreement, string? Version, string? VersionsUrl,
        IReadOnlyList<OcpiPartyRole> Roles, IReadOnlyList<OcpiEndpoint> Endpoints, Instant InvitedAt, Instant? RegisteredAt, Instant? UnregisteredAt);

    /// <summary>The partner was invited: <paramref name="TokenA"/> lets it register once, at <paramref name="VersionsUrl"/>; it is shown this once.</summary>
    public sealed record InvitedPartnerView(string PartnerId, string Name, string TokenA, string VersionsUrl, string Note);

    /// <param name="Number">The message's place in the partner's log, 1 for the first.</param>
    public sealed record MessageView(long Number, string Module, OcpiDirection Direction, string Method, string Path, string? ObjectId, int HttpStatus,
        int? OcpiStatus, string RequestId, string CorrelationId, int BodyBytes, OcpiOutcome Outcome, string? Problem, Instant ExchangedAt);

    public sealed record PushView(string PushId, string Module, string Method, string ObjectId, OcpiPushStatus Status, int Attempts, Instant QueuedAt,
        Instant? RetryAt, string? LastProblem, Instant? DeliveredAt);

    private static readonly Actor Api = new(ActorKind.Operator, "api");

    public static IEndpointRouteBuilder MapRoamingPartners(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/roaming/partners", async (InvitePartnerBody body, HttpContext context, OperatorScope scope, OcpiOptions options, IMediator mediator,
            CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("invite roaming partners") is { } refused) return refused;
            var issued = await mediator.Send(new InvitePartnerCommand(
                new InvitePartner(body.CountryCode, body.PartyId, body.Name, body.Agreement, ""), context.Caller()?.Actor ?? Api), ct);
            if (issued.Decision.Refusal is { } refusal) return refusal.ToHttp();
            var invited = issued.Decision.Events.OfType<RoamingPartnerInvited>().Single();
            return Results.Created($"/api/roaming/partners/{invited.PartnerId}", new InvitedPartnerView(invited.PartnerId, invited.Name, issued.Token!,
                OcpiRoutes.BaseUrl(context, options) + "/ocpi/versions",
                "Hand token A and the versions URL to the partner outside OCPI; token A is shown this once and works until the partner registers."));
        });

        app.MapGet("/api/roaming/partners", (int? limit, string? cursor, HttpContext context, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
            Refusals.Answer(async () =>
            {
                if (scope.TopLevelOnly("read roaming partners") is { } refused) return refused;
                await using var query = ledger.QueryReadModels();
                var page = await PagedQueries.PageAsync(query.Query<OcpiPartnerEntry>(), p => p.PartnerId, Paging.After(cursor), Paging.Limit(limit), ct);
                return Paging.Answer(context, new Page<PartnerView>([.. page.Items.Select(View)], page.Next));
            }));

        app.MapGet("/api/roaming/partners/{partnerId}", async (string partnerId, OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("read roaming partners") is { } refused) return refused;
            return await PartnerAsync(ledger, partnerId, ct) is { } partner ? Results.Ok(View(partner)) : NoSuchPartner(partnerId);
        });

        app.MapPut("/api/roaming/partners/{partnerId}/agreement", async (string partnerId, ChangeAgreementBody body, HttpContext context, OperatorScope scope,
            Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("change roaming agreements") is { } refused) return refused;
            if (await PartnerAsync(ledger, partnerId, ct) is null) return NoSuchPartner(partnerId);
            var change = new ChangeAgreement(new RoamingAgreement(body.CommissionPercent, body.Currency, body.SettlementPeriod), body.EffectiveFrom);
            return await mediator.Send(new ChangeAgreementCommand(partnerId, change, context.Caller()?.Actor ?? Api), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.Ok(View((await PartnerAsync(ledger, partnerId, ct))!));
        });

        app.MapPost("/api/roaming/partners/{partnerId}/unregister", async (string partnerId, UnregisterPartnerBody body, HttpContext context, OperatorScope scope,
            Ledger.Ledger ledger, IMediator mediator, CancellationToken ct) =>
        {
            if (scope.TopLevelOnly("unregister roaming partners") is { } refused) return refused;
            if (await PartnerAsync(ledger, partnerId, ct) is null) return NoSuchPartner(partnerId);
            return await mediator.Send(new UnregisterPartnerCommand(partnerId, body.Reason ?? "", context.Caller()?.Actor ?? Api), ct) is { Refusal: { } refusal }
                ? refusal.ToHttp()
                : Results.Ok(View((await PartnerAsync(ledger, partnerId, ct))!));
        });

        app.MapGet("/api/roaming/partners/{partnerId}/messages", (string partnerId, int? limit, string? cursor, HttpContext context, OperatorScope scope,
            Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
            {
                if (scope.TopLevelOnly("read roaming partners' messages") is { } refused) return refused;
                if (await PartnerAsync(ledger, partnerId, ct) is null) return NoSuchPartner(partnerId);
                return Paging.Answer(context, await MessagesAsync(ledger, partnerId, Paging.After(cursor), Paging.Limit(limit), ct));
            }));

        app.MapGet("/api/roaming/partners/{partnerId}/pushes", (string partnerId, OcpiPushStatus? status, int? limit, string? cursor, HttpContext context,
            OperatorScope scope, Ledger.Ledger ledger, CancellationToken ct) => Refusals.Answer(async () =>
            {
                if (scope.TopLevelOnly("read what is owed to roaming partners") is { } refused) return refused;
                if (await PartnerAsync(ledger, partnerId, ct) is null) return NoSuchPartner(partnerId);
                await using var query = ledger.QueryReadModels();
                var pushes = query.Query<OcpiPushEntry>().Where(p => p.PartnerId == partnerId);
                if (status is { } wanted) pushes = pushes.Where(p => p.Status == wanted);
                var page = await PagedQueries.PageAsync(pushes, p => p.Id, Paging.After(cursor), Paging.Limit(limit), ct);
                return Paging.Answer(context, new Page<PushView>([.. page.Items.Select(p => new PushView(p.PushId, p.Module, p.Method, p.ObjectId, p.Status,
                    p.Attempts, p.QueuedAt, p.RetryAt, p.LastProblem, p.DeliveredAt))], page.Next));
            }));
        return app;
    }

    /// <summary>
    /// The partner's message log newest first, a page of stream versions below the cursor's: read by version range,
    /// so a page deep in a long log costs what the first does.
    /// </summary>
    private static async Task<Page<MessageView>> MessagesAsync(Ledger.Ledger ledger, string partnerId, string? after, int limit, CancellationToken ct)
    {
        var stream = OcpiIds.MessageStream(partnerId);
        long below;
        if (after is null) below = await ledger.StreamVersionAsync(stream, ct) + 1;
        else if (!long.TryParse(after, out below)) throw new RequestRefusedException(RefusalKind.Invalid, "cursor: pass back the 'next' value of the previous page unchanged.");
        if (below <= 1) return new Page<MessageView>([], null);
        await using var query = ledger.QueryReadModels();
        var events = await query.Events.FetchStreamAsync(stream, version: below - 1, fromVersion: Math.Max(1, below - 1 - limit), token: ct);
        var views = events.OrderByDescending(e => e.Version)
            .Select(e => (e.Version, Message: e.Data as OcpiMessageExchanged))
            .Where(e => e.Message is not null)
            .Select(e => new MessageView(e.Version, e.Message!.Module, e.Message.Direction, e.Message.Method, e.Message.Path, e.Message.ObjectId, e.Message.HttpStatus,
                e.Message.OcpiStatus, e.Message.RequestId, e.Message.CorrelationId, e.Message.BodyBytes, e.Message.Outcome, e.Message.Problem, e.Message.ExchangedAt))
            .ToList();
        return Paging.Of(views, limit, m => m.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<OcpiPartnerEntry?> PartnerAsync(Ledger.Ledger ledger, string partnerId, CancellationToken ct)
    {
        if (!PartnerIdShape().IsMatch(partnerId)) return null;
        await using var query = ledger.QueryReadModels();
        return await query.LoadAsync<OcpiPartnerEntry>(OcpiIds.PartnerStream(partnerId), ct);
    }

    private static PartnerView View(OcpiPartnerEntry p) =>
        new(p.PartnerId, p.Name, p.Status, p.Agreement, p.Version, p.VersionsUrl, p.Roles, p.Endpoints, p.InvitedAt, p.RegisteredAt, p.UnregisteredAt);

    private static IResult NoSuchPartner(string partnerId) =>
        new Refusal(RefusalKind.NotFound, [$"No roaming partner {partnerId}; a partner's id is its country code and party id, e.g. \"NL-EMS\", as invited."]).ToHttp();

    [GeneratedRegex(OcpiIds.PartnerIdPattern)]
    private static partial Regex PartnerIdShape();
}
