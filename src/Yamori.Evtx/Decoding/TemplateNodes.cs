namespace Yamori.Evtx.Decoding;

/// <summary>Thrown inside the decoder for malformed data; always caught and turned into a diagnostic.</summary>
internal sealed class EvtxFormatException(string message) : Exception(message);

/// <summary>
/// A parsed BinXML token tree ("skeleton"): what a template definition compiles to, and what a
/// record's own BinXML parses to before its substitutions are filled in.
/// </summary>
internal abstract class TNode;

/// <summary>A node that needs no substitution: text, CDATA, references, PIs (the instance is shared).</summary>
internal sealed class TLiteral(EvtxNode node) : TNode
{
    public EvtxNode Node { get; } = node;
}

/// <summary>A normal (0x0d) or optional (0x0e) substitution of template value <see cref="Index"/>.</summary>
internal sealed class TSubstitution(int index, EvtxValueType declaredType, bool optional) : TNode
{
    public int Index { get; } = index;

    public EvtxValueType DeclaredType { get; } = declaredType;

    public bool Optional { get; } = optional;
}

/// <summary>A template instance with its values already decoded.</summary>
internal sealed class TTemplateInstance(CompiledTemplate template, EvtxValue[] values, bool pooled) : TNode
{
    // Values of instances in records are pooled: they live only until the record is instantiated.
    // Only this class rents EvtxValue arrays, and it returns them cleared, so rented tails are null.
    private static System.Buffers.ArrayPool<EvtxValue> Pool => System.Buffers.ArrayPool<EvtxValue>.Shared;

    public CompiledTemplate Template { get; } = template;

    /// <summary>The values; a pooled array may be longer than the count, its tail holding nulls.</summary>
    public EvtxValue[] Values { get; private set; } = values;

    /// <summary>True when some value is an array (so elements may need repeating).</summary>
    public bool HasArrays { get; } = AnyArray(values);

    public static EvtxValue[] Rent(int count) => count == 0 ? [] : Pool.Rent(count);

    /// <summary>Returns pooled values once the instance has been expanded (cleared: no strings kept alive).</summary>
    public void Release()
    {
        if (pooled && Values.Length > 0)
        {
            Pool.Return(Values, clearArray: true);
            Values = [];
        }
    }

    private static bool AnyArray(EvtxValue[] values)
    {
        foreach (ref readonly EvtxValue v in values.AsSpan())
        {
            if (v.IsArray)
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class TAttribute(string name, TNode[] parts) : TNode
{
    public string Name { get; } = name;

    public TNode[] Parts { get; } = parts;

    /// <summary>The prebuilt attribute when the value has no substitution; null otherwise.</summary>
    public EvtxAttribute? Static { get; private set; }

    public void Seal()
    {
        foreach (TNode p in Parts)
        {
            if (p is not TLiteral)
            {
                return;
            }
        }

        EvtxValue v = Parts.Length == 1 && Parts[0] is TLiteral { Node: EvtxText t }
            ? t.Value
            : EvtxValue.FromString(Concat(Parts));
        Static = new EvtxAttribute(Name, v);
    }

    private static string Concat(TNode[] parts)
    {
        var sb = new System.Text.StringBuilder();
        foreach (TNode p in parts)
        {
            sb.Append(((TLiteral)p).Node.Text);
        }

        return sb.ToString();
    }
}

internal sealed class TElement(string name, TAttribute[] attributes, TNode[] children) : TNode
{
    public string Name { get; } = name;

    public TAttribute[] Attributes { get; } = attributes;

    public TNode[] Children { get; } = children;

    /// <summary>All attributes as shared instances when none has a substitution; null otherwise.</summary>
    public EvtxAttribute[]? StaticAttributes { get; private set; }

    /// <summary>The prebuilt element when the whole subtree has no substitution; null otherwise.</summary>
    public EvtxElement? Static { get; private set; }

    /// <summary>Prebuilds the substitution-free parts once per compiled template (children are sealed first).</summary>
    public void Seal()
    {
        bool attrsStatic = true;
        foreach (TAttribute a in Attributes)
        {
            a.Seal();
            attrsStatic &= a.Static is not null;
        }

        if (attrsStatic)
        {
            var arr = new EvtxAttribute[Attributes.Length];
            for (int i = 0; i < arr.Length; i++)
            {
                arr[i] = Attributes[i].Static!;
            }

            StaticAttributes = arr;
        }

        bool childrenStatic = true;
        foreach (TNode c in Children)
        {
            childrenStatic &= c switch
            {
                TLiteral => true,
                TElement e => e.Static is not null,
                _ => false,
            };
        }

        if (attrsStatic && childrenStatic)
        {
            var nodes = new EvtxNode[Children.Length];
            for (int i = 0; i < nodes.Length; i++)
            {
                nodes[i] = Children[i] is TLiteral l ? l.Node : ((TElement)Children[i]).Static!;
            }

            Static = new EvtxElement(Name, StaticAttributes!, nodes);
        }
    }
}

/// <summary>A template definition compiled once per chunk and shared by every record that uses it.</summary>
internal sealed class CompiledTemplate(TNode[] nodes, Guid id)
{
    public TNode[] Nodes { get; } = nodes;

    public Guid Id { get; } = id;
}
