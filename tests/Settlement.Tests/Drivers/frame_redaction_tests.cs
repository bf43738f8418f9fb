using Settlement.Domain.Drivers;

namespace Settlement.Tests.Drivers;

public sealed class frame_redaction_tests
{
    public static TheoryData<string, string, string?> Frames() => new()
    {
        // frame as received, as recorded, the one driver token it names whole
        {
            """[2,"m1","StartTransaction",{"connectorId":"one","idTag":"RFID-1","meterStart":0}]""",
            """[2,"m1","StartTransaction",{"connectorId":"one","idTag":"[redacted]","meterStart":0}]""",
            "RFID-1"
        },
        {
            """[2,"m2","TransactionEvent",{"idToken":{"idToken":"EMAID-7","type":"eMAID"},"seqNo":"x"}]""",
            """[2,"m2","TransactionEvent",{"idToken":{"idToken":"[redacted]","type":"eMAID"},"seqNo":"x"}]""",
            "EMAID-7"
        },
        // a malformed frame names its fields in any case, with any value, spaced as it likes
        { """[2, "m3", "Authorize", {"IDTAG" : 4711}]""", """[2, "m3", "Authorize", {"IDTAG" : "[redacted]"}]""", "4711" },
        { """[2,"m4","Authorize",{"idTag":["A-1","A-1"]}]""", """[2,"m4","Authorize",{"idTag":["[redacted]","[redacted]"]}]""", "A-1" },
        { """[2,"m5","Authorize",{"idTag":"Z\u00fcrich"}]""", """[2,"m5","Authorize",{"idTag":"[redacted]"}]""", "Zürich" },
        // not JSON at all, but the field is still found
        { """[2,"m6","Authorize",{"idTag":"RFID-6"}""", """[2,"m6","Authorize",{"idTag":"[redacted]"}""", "RFID-6" },
        // two drivers, or a token cut off: redacted, but no single driver to seal the original under
        {
            """[2,"m7","TransactionEvent",{"idToken":{"idToken":"A"},"groupIdToken":{"idToken":"B"}}]""",
            """[2,"m7","TransactionEvent",{"idToken":{"idToken":"[redacted]"},"groupIdToken":{"idToken":"[redacted]"}}]""",
            null
        },
        {
            "[2,\"m8\",\"StartTransaction\",{\"idTag\":\"RFID-8\",\"parentIdTag\":\"RFID-",
            "[2,\"m8\",\"StartTransaction\",{\"idTag\":\"[redacted]\",\"parentIdTag\":\"[redacted]\"",
            null
        },
        { """[2,"m9","Authorize",{"idTag":12345""", "[2,\"m9\",\"Authorize\",{\"idTag\":\"[redacted]\"", null },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void every_value_that_may_name_a_driver_is_redacted_and_the_sole_whole_token_is_named(string frame, string recorded, string? soleToken)
    {
        var redacted = FrameRedaction.Redact(frame);

        Assert.Equal(recorded, redacted.Text);
        Assert.True(redacted.Redacted);
        Assert.Equal(soleToken, redacted.SoleToken);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""[2,"a1","StatusNotification",{"connectorId":"one","errorCode":"NoError","status":"Available"}]""")]
    [InlineData("""[2,"a2","DataTransfer",{"vendorId":"idTag","data":"the idTag field"}]""")]
    [InlineData("""[2,"a3","Authorize",{"idTag":"","idToken":null}]""")]
    public void a_frame_naming_no_driver_is_kept_as_it_came(string frame)
    {
        var redacted = FrameRedaction.Redact(frame);

        Assert.False(redacted.Redacted);
        Assert.Same(frame, redacted.Text);
        Assert.Null(redacted.SoleToken);
    }
}
