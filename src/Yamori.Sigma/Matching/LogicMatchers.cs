namespace Yamori.Sigma.Matching;

internal sealed class AndMatcher(Matcher[] children) : Matcher
{
    public Matcher[] Children { get; } = children;

    public override bool Match(in EvalContext ctx)
    {
        Matcher[] c = Children;
        for (int i = 0; i < c.Length; i++)
        {
            if (!c[i].Match(ctx))
            {
                return false;
            }
        }

        return true;
    }

    public override Necessity? Necessity
    {
        get
        {
            Necessity? best = null;
            foreach (Matcher m in Children)
            {
                best = Matching.Necessity.Best(best, m.Necessity);
            }

            return best;
        }
    }
}

internal sealed class OrMatcher(Matcher[] children) : Matcher
{
    public Matcher[] Children { get; } = children;

    public override bool Match(in EvalContext ctx)
    {
        Matcher[] c = Children;
        for (int i = 0; i < c.Length; i++)
        {
            if (c[i].Match(ctx))
            {
                return true;
            }
        }

        return false;
    }

    public override Necessity? Necessity
    {
        get
        {
            var parts = new List<Necessity?>(Children.Length);
            foreach (Matcher m in Children)
            {
                parts.Add(m.Necessity);
            }

            return Matching.Necessity.Union(parts);
        }
    }
}

internal sealed class NotMatcher(Matcher child) : Matcher
{
    public override bool Match(in EvalContext ctx) => !child.Match(ctx);
}
