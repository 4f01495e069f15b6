namespace Yamori.Cloud.Tenancy;

/// <summary>A municipality (tenant). Opaque and random, so ids leak nothing and cannot be guessed.</summary>
public readonly record struct TenantId(Guid Value)
{
    public static TenantId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString("D");
}

/// <summary>A network segment of one tenant.</summary>
public readonly record struct SegmentId(Guid Value)
{
    public static SegmentId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString("D");
}

/// <summary>
/// An enrolled endpoint. Issued at enrollment and bound, with its tenant, into the device's client
/// certificate; the cloud never takes a device id from message content.
/// </summary>
public readonly record struct DeviceId(Guid Value)
{
    public static DeviceId New() => new(Guid.CreateVersion7());

    public static DeviceId Parse(string text) => new(Guid.Parse(text));

    public override string ToString() => Value.ToString("D");
}
