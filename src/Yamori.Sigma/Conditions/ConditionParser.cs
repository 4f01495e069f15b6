using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Conditions;

/// <summary>
/// Parses a Sigma condition with the spec's precedence (least to most binding):
/// <c>or</c>, <c>and</c>, <c>not</c>, <c>x of pattern</c>, parentheses.
/// </summary>
public static class ConditionParser
{
    /// <param name="text">The condition text.</param>
    /// <param name="identifiers">The rule's search identifiers in document order.</param>
    /// <param name="line">YAML line of the condition, for errors.</param>
    public static ConditionNode Parse(string text, IReadOnlyList<string> identifiers, int line = 0)
    {
        var tokens = Tokenize(text, line);
        var p = new State(tokens, identifiers, text, line);
        ConditionNode node = p.ParseOr();
        if (p.Pos != tokens.Count)
        {
            throw p.Error($"unexpected '{tokens[p.Pos]}'");
        }

        return node;
    }

    private static List<string> Tokenize(string text, int line)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '|')
            {
                throw new RuleLoadException("condition", $"condition '{text}': the pipe aggregation syntax (Sigma 1.0 '| count()') is not part of Sigma v2; use a correlation rule", line);
            }
            else
            {
                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')')
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        if (tokens.Count == 0)
        {
            throw new RuleLoadException("condition", "the condition is empty", line);
        }

        return tokens;
    }

    /// <summary>Deepest nesting of parentheses and <c>not</c> accepted; real rules use a handful, and recursion must not exhaust the stack.</summary>
    public const int MaxDepth = 64;

    private sealed class State(List<string> tokens, IReadOnlyList<string> identifiers, string text, int line)
    {
        public int Pos;
        private int _depth;

        private string? Peek => Pos < tokens.Count ? tokens[Pos] : null;

        public RuleLoadException Error(string why) => new("condition", $"condition '{text}': {why}", line);

        private bool Accept(string keyword)
        {
            if (Peek is { } t && t.Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                Pos++;
                return true;
            }

            return false;
        }

        public ConditionNode ParseOr()
        {
            var parts = new List<ConditionNode> { ParseAnd() };
            while (Accept("or"))
            {
                parts.Add(ParseAnd());
            }

            return parts.Count == 1 ? parts[0] : new OrNode(parts);
        }

        private ConditionNode ParseAnd()
        {
            var parts = new List<ConditionNode> { ParseNot() };
            while (Accept("and"))
            {
                parts.Add(ParseNot());
            }

            return parts.Count == 1 ? parts[0] : new AndNode(parts);
        }

        private ConditionNode ParseNot()
        {
            if (Accept("not"))
            {
                Enter();
                ConditionNode inner = ParseNot();
                _depth--;
                return new NotNode(inner);
            }

            return ParsePrimary();
        }

        private void Enter()
        {
            if (++_depth > MaxDepth)
            {
                throw Error($"nested more than {MaxDepth} levels deep");
            }
        }

        private ConditionNode ParsePrimary()
        {
            string? t = Peek ?? throw Error("ends where an expression was expected");
            if (t == "(")
            {
                Pos++;
                Enter();
                ConditionNode inner = ParseOr();
                _depth--;
                if (!Accept(")"))
                {
                    throw Error("missing ')'");
                }

                return inner;
            }

            if (t == ")")
            {
                throw Error("unexpected ')'");
            }

            if (IsKeyword(t))
            {
                throw Error($"'{t}' where a search identifier was expected");
            }

            if (Pos + 1 < tokens.Count && tokens[Pos + 1].Equals("of", StringComparison.OrdinalIgnoreCase))
            {
                return ParseOf(t);
            }

            Pos++;
            int idx = IndexOf(t);
            if (idx < 0)
            {
                throw Error($"unknown search identifier '{t}'");
            }

            return new RefNode(identifiers[idx], idx);
        }

        private ConditionNode ParseOf(string quantifier)
        {
            bool all;
            if (quantifier.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                all = true;
            }
            else if (quantifier == "1" || quantifier.Equals("any", StringComparison.OrdinalIgnoreCase))
            {
                all = false;
            }
            else
            {
                throw Error($"'{quantifier} of' is not allowed: only '1 of' and 'all of'");
            }

            Pos += 2;
            string pattern = Peek ?? throw Error($"'{quantifier} of' needs 'them' or a pattern");
            if (pattern is "(" or ")" || IsKeyword(pattern))
            {
                throw Error($"'{quantifier} of' needs 'them' or a pattern, not '{pattern}'");
            }

            Pos++;
            var refs = new List<ConditionNode>();
            bool them = pattern.Equals("them", StringComparison.OrdinalIgnoreCase);
            for (int i = 0; i < identifiers.Count; i++)
            {
                string id = identifiers[i];
                if (them ? !id.StartsWith('_') : Wildcard.IsMatch(pattern, id))
                {
                    refs.Add(new RefNode(id, i));
                }
            }

            if (refs.Count == 0)
            {
                throw Error($"'{quantifier} of {pattern}' matches no search identifier");
            }

            if (refs.Count == 1)
            {
                return refs[0];
            }

            return all ? new AndNode(refs) : new OrNode(refs);
        }

        private int IndexOf(string name)
        {
            for (int i = 0; i < identifiers.Count; i++)
            {
                if (identifiers[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }

        private static bool IsKeyword(string t) =>
            t.Equals("and", StringComparison.OrdinalIgnoreCase) || t.Equals("or", StringComparison.OrdinalIgnoreCase) ||
            t.Equals("not", StringComparison.OrdinalIgnoreCase) || t.Equals("of", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Identifier patterns in <c>x of pattern</c>: <c>*</c> matches any run of characters.</summary>
internal static class Wildcard
{
    public static bool IsMatch(string pattern, string text) => Match(pattern.AsSpan(), text.AsSpan());

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> t)
    {
        while (!p.IsEmpty)
        {
            if (p[0] == '*')
            {
                ReadOnlySpan<char> rest = p[1..];
                for (int i = 0; i <= t.Length; i++)
                {
                    if (Match(rest, t[i..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t.IsEmpty || p[0] != t[0])
            {
                return false;
            }

            p = p[1..];
            t = t[1..];
        }

        return t.IsEmpty;
    }
}
