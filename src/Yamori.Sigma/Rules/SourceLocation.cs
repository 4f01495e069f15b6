namespace Yamori.Sigma.Rules;

/// <summary>Where something came from: file, YAML line (1-based; 0 when unknown) and rule id.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}
