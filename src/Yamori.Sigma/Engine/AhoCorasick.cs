namespace Yamori.Sigma.Engine;

/// <summary>
/// A case-insensitive Aho–Corasick automaton compiled to a dense DFA over the characters that occur in
/// its patterns. One pass over a field value finds every pattern of every rule in the group, so a
/// CommandLine is read once rather than once per rule. Hits set bits of candidate rules directly.
/// </summary>
internal sealed class AhoCorasick
{
    private readonly int[] _ascii = new int[128];

    /// <summary>
    /// Every non-ASCII character shares one class (0 when no pattern has any). Merging characters can
    /// only add candidates, never lose one, and keeps DFA rows short: encoded values (utf16, windash)
    /// otherwise bring hundreds of distinct characters and rows of kilobytes.
    /// </summary>
    private int _nonAscii;
    private readonly int _width;
    private readonly int[] _delta;
    private readonly int[] _outLink;
    private readonly int[] _nextOut;
    private readonly int[] _terminal;
    private readonly int[][] _patternMembers;

    /// <param name="patterns">Distinct literals (any case).</param>
    /// <param name="patternMembers">For each pattern, the member indices of the rules it triggers.</param>
    public AhoCorasick(IReadOnlyList<string> patterns, int[][] patternMembers)
    {
        _patternMembers = patternMembers;
        int classes = 1;
        int total = 1;
        foreach (string p in patterns)
        {
            total += p.Length;
            foreach (char c in p)
            {
                if (c >= 128)
                {
                    if (_nonAscii == 0)
                    {
                        _nonAscii = classes++;
                    }
                }
                else if (_ascii[c] == 0)
                {
                    int cls = classes++;
                    _ascii[c] = cls;
                    if (char.IsAsciiLetter(c))
                    {
                        _ascii[c ^ 0x20] = cls;
                    }
                }
            }
        }

        _width = classes;
        var delta = new int[total * classes];
        Array.Fill(delta, -1);
        var terminal = new int[total];
        Array.Fill(terminal, -1);
        int states = 1;
        for (int p = 0; p < patterns.Count; p++)
        {
            int s = 0;
            foreach (char c in patterns[p])
            {
                int cls = ClassOf(c);
                int next = delta[(s * classes) + cls];
                if (next < 0)
                {
                    next = states++;
                    delta[(s * classes) + cls] = next;
                }

                s = next;
            }

            terminal[s] = p;
        }

        // Breadth-first: complete the DFA with failure transitions and chain outputs.
        var fail = new int[states];
        var outLink = new int[states];
        var nextOut = new int[states];
        Array.Fill(outLink, -1);
        Array.Fill(nextOut, -1);
        var queue = new Queue<int>();
        for (int cls = 0; cls < classes; cls++)
        {
            int t = delta[cls];
            if (t < 0)
            {
                delta[cls] = 0;
            }
            else
            {
                fail[t] = 0;
                queue.Enqueue(t);
            }
        }

        while (queue.Count > 0)
        {
            int s = queue.Dequeue();
            outLink[s] = terminal[s] >= 0 ? s : outLink[fail[s]];
            nextOut[s] = outLink[fail[s]];
            for (int cls = 0; cls < classes; cls++)
            {
                int t = delta[(s * classes) + cls];
                int viaFail = delta[(fail[s] * classes) + cls];
                if (t < 0)
                {
                    delta[(s * classes) + cls] = viaFail;
                }
                else
                {
                    fail[t] = viaFail;
                    queue.Enqueue(t);
                }
            }
        }

        // Transitions hold the target's row offset (state × width), with the sign bit set when the
        // target reports a pattern: the scan loop then costs one load and one multiply-free add per char.
        _delta = new int[states * classes];
        for (int i = 0; i < _delta.Length; i++)
        {
            int target = delta[i];
            _delta[i] = (target * classes) | (outLink[target] >= 0 ? int.MinValue : 0);
        }


        _terminal = terminal.AsSpan(0, states).ToArray();
        _outLink = outLink;
        _nextOut = nextOut;
    }

    public int StateCount => _terminal.Length;

    public int ClassCount => _width;

    private int ClassOf(char c) => c < 128 ? _ascii[c] : _nonAscii;

    /// <summary>Scans <paramref name="text"/> and sets the bit of every member whose literal occurs.</summary>
    public void Mark(ReadOnlySpan<char> text, ulong[] bits)
    {
        int[] delta = _delta;
        int[] ascii = _ascii;
        int nonAscii = _nonAscii;
        int row = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int next = delta[row + (c < 128 ? ascii[c] : nonAscii)];
            if (next < 0)
            {
                next &= int.MaxValue;
                Report(next / _width, bits);
            }

            row = next;
        }
    }

    private void Report(int state, ulong[] bits)
    {
        for (int o = _outLink[state]; o >= 0; o = _nextOut[o])
        {
            foreach (int m in _patternMembers[_terminal[o]])
            {
                bits[m >> 6] |= 1UL << (m & 63);
            }
        }
    }
}
