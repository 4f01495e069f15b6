namespace Yamori.Sigma.Conditions;

/// <summary>The parsed condition. <c>x of pattern</c> is resolved to And/Or of references at parse time.</summary>
public abstract record ConditionNode;

public sealed record AndNode(IReadOnlyList<ConditionNode> Children) : ConditionNode
{
    public override string ToString() => "(" + string.Join(" and ", Children) + ")";
}

public sealed record OrNode(IReadOnlyList<ConditionNode> Children) : ConditionNode
{
    public override string ToString() => "(" + string.Join(" or ", Children) + ")";
}

public sealed record NotNode(ConditionNode Child) : ConditionNode
{
    public override string ToString() => "not " + Child;
}

/// <summary>A reference to a search identifier, by its index in the rule's search list.</summary>
public sealed record RefNode(string Name, int Index) : ConditionNode
{
    public override string ToString() => Name;
}
