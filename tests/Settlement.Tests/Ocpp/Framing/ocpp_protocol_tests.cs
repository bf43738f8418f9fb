using Settlement.Ocpp.Framing;

namespace Settlement.Tests.Ocpp.Framing;

public sealed class ocpp_protocol_tests
{
    [Theory]
    [InlineData("ocpp1.6", OcppProtocol.Ocpp16)]
    [InlineData("ocpp2.0.1", OcppProtocol.Ocpp201)]
    public void a_sub_protocol_name_maps_to_its_version_and_back(string name, OcppProtocol expected)
    {
        Assert.True(OcppProtocols.TryParse(name, out var protocol));
        Assert.Equal(expected, protocol);
        Assert.Equal(name, protocol.SubProtocol());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ocpp1.5")]
    [InlineData("ocpp2.0")]
    [InlineData("ocpp2.1")]
    [InlineData("OCPP1.6")]
    [InlineData(" ocpp1.6")]
    [InlineData("ocpp1.6j")]
    public void a_sub_protocol_we_do_not_speak_is_not_parsed(string? name)
    {
        Assert.False(OcppProtocols.TryParse(name, out _));
    }

    [Fact]
    public void supported_lists_2_0_1_before_1_6_and_every_name_parses()
    {
        Assert.Equal(["ocpp2.0.1", "ocpp1.6"], OcppProtocols.Supported);
        Assert.All(OcppProtocols.Supported, name => Assert.True(OcppProtocols.TryParse(name, out _)));
    }

    [Fact]
    public void an_undefined_protocol_value_has_no_sub_protocol_name()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((OcppProtocol)42).SubProtocol());
    }
}
