using Settlement.Domain.Chargers;
using Settlement.Domain.Events;
using Settlement.Host.Audit;
using Settlement.Ledger;
using Settlement.Ledger.Audit;
using Settlement.Ocpp.Security;
using Settlement.Projections;

namespace Settlement.Tests.Audit;

/// <summary>An auditor's bundle carries no credential hash, and still verifies: a redacted line's place in the chain is checked.</summary>
[Collection(LedgerCollection.Name)]
public sealed class bundle_secret_tests(LedgerDatabase db)
{
    [Fact]
    public async Task a_bundle_withholds_password_hashes_and_still_verifies_with_the_redacted_events_counted_apart()
    {
        var chained = await ChainedLedger.CreateAsync(db, "bundle_secrets");
        await using var _ = chained;
        using var key = CheckpointKeys.Create();
        await chained.AppendSessionsAsync(2);
        var at = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var hash = TestHost.PasswordHash;
        await chained.Ledger.AppendAsync(new StreamAppend(StreamIds.Charger("SECRET-01"),
            [new PendingEvent(new ChargerCredentialsSet("SECRET-01", hash, at), EventMetadata.NewCorrelation(new Actor(ActorKind.Operator, "tests"), at))]));
        await chained.AppendSessionsAsync(1);
        var head = await chained.Writer.CatchUpAsync();
        await Checkpoints.SignAsync(chained.Ledger, key);

        await using var ledger = await Settlement.Ledger.Store.LedgerStore.OpenAsync(db.Server.ConnectionStringFor(chained.DatabaseName), SettlementReadModels.All);
        var directory = Path.Combine(Directory.CreateTempSubdirectory("settle-bundle-").FullName, "bundle");
        await BundleExport.WriteAsync(ledger, await BundleExport.PeriodAsync(ledger, 1, head.Sequence), directory, new BundleDocuments(), "settle tests");
        var result = BundleVerification.Verify(directory, CheckpointKeys.IdOf(key), new BundleDocuments());

        var events = await File.ReadAllTextAsync(Path.Combine(directory, AuditBundle.Events));
        Assert.DoesNotContain(hash.Split('$')[3], events);
        Assert.DoesNotContain("pbkdf2", events);
        Assert.Contains($"\"passwordHash\":\"{SecretAttribute.Marker}\"", events);
        Assert.Empty(result.Problems);
        Assert.Equal((head.Sequence - 1, 1L, head.Sequence), (result.EventsVerified, result.EventsRedacted, result.LinksVerified));

        // The inclusion proof of that event: its line redacted, its place proved by the chained digest.
        var credentials = (await chained.Ledger.ReadStreamAsync(StreamIds.Charger("SECRET-01"))).Single().Sequence;
        var proof = (await InclusionProofs.ForEventAsync(chained.Ledger, credentials))!;
        Assert.Null(proof.Problem());
        Assert.DoesNotContain("pbkdf2", ProofJson.Write(proof));
        Assert.NotNull(ProofJson.Read(ProofJson.Write(proof)).EventDigest);
        Assert.NotNull((proof with { EventDigest = new string('0', 64) }).Problem());
    }
}
