namespace Settlement.Domain.Events;

/// <summary>
/// A lower bound with no upper one (meter registers grow for a charger's whole life);
/// <see cref="System.ComponentModel.DataAnnotations.RangeAttribute"/> would force an arbitrary maximum.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AtLeastAttribute(long minimum) : Attribute
{
    public long Minimum { get; } = minimum;
}
