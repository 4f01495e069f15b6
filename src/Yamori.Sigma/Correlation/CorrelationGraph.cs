using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Correlation;

/// <summary>
/// Checks the reference graph between correlations: a cycle would chain forever, and a correlation
/// that depends on a disabled one could never fire, so both are disabled with a reason.
/// </summary>
internal static class CorrelationGraph
{
    public static void DisableCyclesAndDependents(
        List<CorrelationRule> all,
        Dictionary<CorrelationRule, SigmaRuleBase[]> resolved,
        CorrelationEngine engine)
    {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var color = new Dictionary<CorrelationRule, int>(ReferenceEqualityComparer.Instance);
        var path = new List<CorrelationRule>();
        var cyclic = new HashSet<CorrelationRule>(ReferenceEqualityComparer.Instance);
        foreach (CorrelationRule c in all)
        {
            if (resolved.ContainsKey(c))
            {
                Visit(c, resolved, color, path, cyclic);
            }
        }

        foreach (CorrelationRule c in cyclic)
        {
            resolved.Remove(c);
            engine.Disable(c, c.Location.Line, $"correlation '{c.Title}' is part of a reference cycle between correlations");
        }

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (CorrelationRule c in all)
            {
                if (!resolved.TryGetValue(c, out SigmaRuleBase[]? targets))
                {
                    continue;
                }

                for (int i = 0; i < targets.Length; i++)
                {
                    if (targets[i] is CorrelationRule inner && !resolved.ContainsKey(inner))
                    {
                        resolved.Remove(c);
                        engine.Disable(c, c.LineOf(c.Rules[i]), $"'correlation.rules' entry '{c.Rules[i]}' is a correlation that is disabled");
                        changed = true;
                        break;
                    }
                }
            }
        }
    }

    private static void Visit(
        CorrelationRule c,
        Dictionary<CorrelationRule, SigmaRuleBase[]> resolved,
        Dictionary<CorrelationRule, int> color,
        List<CorrelationRule> path,
        HashSet<CorrelationRule> cyclic)
    {
        color[c] = 1;
        path.Add(c);
        foreach (SigmaRuleBase t in resolved[c])
        {
            if (t is not CorrelationRule inner || !resolved.ContainsKey(inner))
            {
                continue;
            }

            int state = color.GetValueOrDefault(inner);
            if (state == 1)
            {
                for (int i = path.IndexOf(inner); i < path.Count; i++)
                {
                    cyclic.Add(path[i]);
                }
            }
            else if (state == 0)
            {
                Visit(inner, resolved, color, path, cyclic);
            }
        }

        path.RemoveAt(path.Count - 1);
        color[c] = 2;
    }
}
