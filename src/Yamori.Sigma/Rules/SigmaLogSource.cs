namespace Yamori.Sigma.Rules;

/// <summary>A rule's <c>logsource</c>: product, category and service, lower case, any may be absent.</summary>
public sealed record SigmaLogSource(string? Product, string? Category, string? Service)
{
    public static SigmaLogSource Any { get; } = new(null, null, null);

    public override string ToString() =>
        $"product={Product ?? "*"} category={Category ?? "*"} service={Service ?? "*"}";
}
