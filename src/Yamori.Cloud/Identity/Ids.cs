namespace Yamori.Cloud.Identity;

/// <summary>A person's account. Time-ordered (v7) and random, so ids leak nothing and cannot be guessed.</summary>
public readonly record struct UserId(Guid Value)
{
    public static UserId New() => new(Guid.CreateVersion7());

    public static UserId Parse(string text) => new(Guid.Parse(text));

    public static bool TryParse(string? text, out UserId id)
    {
        bool ok = Guid.TryParse(text, out Guid value);
        id = new UserId(value);
        return ok;
    }

    public override string ToString() => Value.ToString("D");
}

/// <summary>An API token's identity, for listing and revoking it; never its secret.</summary>
public readonly record struct ApiTokenId(Guid Value)
{
    public static ApiTokenId New() => new(Guid.CreateVersion7());

    public static ApiTokenId Parse(string text) => new(Guid.Parse(text));

    public override string ToString() => Value.ToString("D");
}

internal static class IdentitySqlIds
{
    public static byte[] ToBlob(this UserId id) => id.Value.ToByteArray();

    public static byte[] ToBlob(this ApiTokenId id) => id.Value.ToByteArray();
}
