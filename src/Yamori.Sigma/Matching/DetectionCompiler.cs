using Yamori.Sigma.Conditions;
using Yamori.Sigma.Parsing;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Matching;

/// <summary>Turns a parsed detection (search identifiers + condition) into one matcher tree.</summary>
internal static class DetectionCompiler
{
    public static Matcher Compile(IReadOnlyList<SearchIdentifier> searches, ConditionNode condition, FieldTable fields, CompileOptions options)
    {
        var compiled = new Matcher[searches.Count];
        for (int i = 0; i < searches.Count; i++)
        {
            compiled[i] = CompileSearch(searches[i], fields, options);
        }

        return CompileCondition(condition, compiled);
    }

    private static Matcher CompileSearch(SearchIdentifier search, FieldTable fields, CompileOptions options)
    {
        var branches = new Matcher[search.Branches.Count];
        for (int b = 0; b < branches.Length; b++)
        {
            IReadOnlyList<FieldItem> items = search.Branches[b].Items;
            var matchers = new Matcher[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                matchers[i] = ItemCompiler.Compile(items[i], fields, options);
            }

            branches[b] = matchers.Length == 1 ? matchers[0] : new AndMatcher(matchers);
        }

        return branches.Length == 1 ? branches[0] : new OrMatcher(branches);
    }

    private static Matcher CompileCondition(ConditionNode node, Matcher[] searches) => node switch
    {
        RefNode r => searches[r.Index],
        NotNode n => new NotMatcher(CompileCondition(n.Child, searches)),
        AndNode a => new AndMatcher(CompileAll(a.Children, searches)),
        OrNode o => new OrMatcher(CompileAll(o.Children, searches)),
        _ => throw new RuleLoadException("condition", $"unsupported condition node {node}"),
    };

    private static Matcher[] CompileAll(IReadOnlyList<ConditionNode> nodes, Matcher[] searches)
    {
        var result = new Matcher[nodes.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = CompileCondition(nodes[i], searches);
        }

        return result;
    }
}
