namespace Yamori.Evtx.Decoding;

/// <summary>
/// Turns a skeleton plus template values into the public element tree. Substitution-free
/// subtrees are reused as they are; array values repeat their containing element once per item
/// (MS-EVEN6 array expansion, as libevtx and evtx do). A per-record node budget bounds memory.
/// </summary>
internal sealed class Instantiator
{
    /// <summary>Most nodes one record may expand to (array expansion can multiply elements).</summary>
    public const int MaxNodesPerRecord = 200_000;

    /// <summary>Deepest element tree a record may produce, nested BinXML included (renderers recurse this deep).</summary>
    public const int MaxTreeHeight = 256;

    private readonly List<List<EvtxNode>> _scratch = [];
    private int _budget = MaxNodesPerRecord;

    /// <summary>Starts a new record's budget.</summary>
    public void BeginRecord() => _budget = MaxNodesPerRecord;

    /// <summary>Expands a parsed document; its top-level template instances give their pooled values back.</summary>
    public EvtxNode[] Instantiate(TNode[] nodes, EvtxValue[] values, int depth)
    {
        List<EvtxNode> list = Rent(depth);
        try
        {
            AddNodes(nodes, values, false, list, depth);
            return [.. list];
        }
        finally
        {
            list.Clear();
            foreach (TNode n in nodes)
            {
                (n as TTemplateInstance)?.Release();
            }
        }
    }

    private List<EvtxNode> Rent(int depth)
    {
        if (depth > ChunkContext.MaxDepth * 2)
        {
            throw new EvtxFormatException("template expansion nested too deeply");
        }

        // One reusable list per nesting level: children are collected there, then copied to an exact-size array.
        while (_scratch.Count <= depth)
        {
            _scratch.Add([]);
        }

        List<EvtxNode> list = _scratch[depth];
        if (list.Count != 0)
        {
            // Re-entered at the same depth (nested BinXML inside a value): use a fresh list.
            return [];
        }

        return list;
    }

    private void Spend(int n)
    {
        _budget -= n;
        if (_budget < 0)
        {
            throw new EvtxFormatException($"record expands to more than {MaxNodesPerRecord} nodes");
        }
    }

    private void AddNodes(TNode[] nodes, EvtxValue[] values, bool arrays, List<EvtxNode> output, int depth)
    {
        foreach (TNode n in nodes)
        {
            switch (n)
            {
                case TElement e:
                    AddElement(e, values, arrays, output, depth);
                    break;
                case TLiteral l:
                    Spend(1);
                    output.Add(l.Node);
                    break;
                case TSubstitution s:
                    AddValue(Slot(values, s.Index), output);
                    break;
                case TTemplateInstance t:
                    AddNodes(t.Template.Nodes, t.Values, t.HasArrays, output, depth + 1);
                    break;
                default:
                    break;
            }
        }
    }

    private static EvtxValue Slot(EvtxValue[] values, int index) =>
        (uint)index < (uint)values.Length ? values[index] : EvtxValue.Null;

    private void AddValue(EvtxValue v, List<EvtxNode> output)
    {
        if (v.Type == EvtxValueType.BinXml)
        {
            EvtxNode[] nested = v.NodeArray;
            Spend(nested.Length);
            output.AddRange(nested);
            return;
        }

        if (v.IsArray)
        {
            // Reached only for arrays of 0 or 1 items (longer ones expanded the element): 0 renders nothing.
            ReadOnlySpan<EvtxValue> items = v.Items;
            if (items.Length == 0)
            {
                return;
            }

            v = items[0];
        }

        if (!v.IsEmpty)
        {
            Spend(1);
            output.Add(new EvtxText(v));
        }
    }

    private void AddElement(TElement e, EvtxValue[] values, bool arrays, List<EvtxNode> output, int depth)
    {
        if (depth > ChunkContext.MaxDepth * 2)
        {
            throw new EvtxFormatException("elements nested too deeply");
        }

        Spend(1);
        if (e.Static is not null)
        {
            output.Add(e.Static);
            return;
        }

        // Most records carry no array values: then no element needs the per-slot check.
        int arraySlot = arrays ? FindExpandableArray(e, values) : -1;
        if (arraySlot >= 0)
        {
            ReadOnlySpan<EvtxValue> items = values[arraySlot].Items;
            for (int i = 0; i < items.Length; i++)
            {
                // A copy of the values with this slot holding one item; other arrays expand recursively.
                var copy = (EvtxValue[])values.Clone();
                copy[arraySlot] = items[i];
                AddElement(e, copy, arrays, output, depth);
            }

            return;
        }

        EvtxAttribute[] attrs = e.StaticAttributes ?? BuildAttributes(e, values);
        List<EvtxNode> children = Rent(depth + 1);
        try
        {
            AddNodes(e.Children, values, arrays, children, depth + 1);
            var element = new EvtxElement(e.Name, attrs, [.. children]);
            if (element.Height > MaxTreeHeight)
            {
                throw new EvtxFormatException($"element tree deeper than {MaxTreeHeight} levels");
            }

            output.Add(element);
        }
        finally
        {
            children.Clear();
        }
    }

    /// <summary>The slot of the first array value with more than one item used directly by this element.</summary>
    private static int FindExpandableArray(TElement e, EvtxValue[] values)
    {
        foreach (TNode c in e.Children)
        {
            if (c is TSubstitution s && Slot(values, s.Index) is { IsArray: true } v && v.Items.Length > 1)
            {
                return s.Index;
            }
        }

        foreach (TAttribute a in e.Attributes)
        {
            foreach (TNode p in a.Parts)
            {
                if (p is TSubstitution s && Slot(values, s.Index) is { IsArray: true } v && v.Items.Length > 1)
                {
                    return s.Index;
                }
            }
        }

        return -1;
    }

    private EvtxAttribute[] BuildAttributes(TElement e, EvtxValue[] values)
    {
        var result = new List<EvtxAttribute>(e.Attributes.Length);
        foreach (TAttribute a in e.Attributes)
        {
            if (a.Static is not null)
            {
                result.Add(a.Static);
                continue;
            }

            EvtxValue v = AttributeValue(a, values, out bool omit);
            if (!omit)
            {
                Spend(1);
                result.Add(new EvtxAttribute(a.Name, v));
            }
        }

        return [.. result];
    }

    /// <summary>
    /// A single substitution keeps its type; mixed parts concatenate to text. The attribute is
    /// omitted when its substitutions are all null (or empty, for optional substitutions).
    /// </summary>
    private static EvtxValue AttributeValue(TAttribute a, EvtxValue[] values, out bool omit)
    {
        omit = false;
        if (a.Parts.Length == 1 && a.Parts[0] is TSubstitution only)
        {
            EvtxValue v = Unwrap(Slot(values, only.Index));
            omit = v.IsNull || (only.Optional && v.IsEmpty);
            return v.Type == EvtxValueType.BinXml ? EvtxValue.FromString(v.ToString()) : v;
        }

        var sb = new System.Text.StringBuilder();
        bool anyLiteral = false;
        bool anyValue = false;
        foreach (TNode p in a.Parts)
        {
            if (p is TSubstitution s)
            {
                EvtxValue v = Unwrap(Slot(values, s.Index));
                anyValue |= !v.IsEmpty;
                sb.Append(v.ToString());
            }
            else if (p is TLiteral l)
            {
                anyLiteral = true;
                sb.Append(l.Node.Text);
            }
        }

        omit = !anyLiteral && !anyValue;
        return EvtxValue.FromString(sb.ToString());
    }

    private static EvtxValue Unwrap(EvtxValue v)
    {
        if (!v.IsArray)
        {
            return v;
        }

        ReadOnlySpan<EvtxValue> items = v.Items;
        return items.Length == 0 ? EvtxValue.Null : items[0];
    }
}
