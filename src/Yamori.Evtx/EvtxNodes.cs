using System.Globalization;
using System.Text;

namespace Yamori.Evtx;

/// <summary>A node of a decoded event: an element, a text value, CDATA, a reference or a PI.</summary>
public abstract class EvtxNode
{
    private protected EvtxNode()
    {
    }

    /// <summary>The node's text as it reads in the document (references resolved).</summary>
    public abstract string Text { get; }
}

/// <summary>An attribute; its value keeps the BinXML type (a single substitution) or is text.</summary>
public sealed record EvtxAttribute(string Name, EvtxValue Value);

/// <summary>Character data: literal template text or a substituted value with its type.</summary>
public sealed class EvtxText(EvtxValue value) : EvtxNode
{
    public EvtxValue Value { get; } = value;

    public override string Text => Value.ToString();
}

public sealed class EvtxCData(string value) : EvtxNode
{
    public string Value { get; } = value;

    public override string Text => Value;
}

/// <summary>A character reference (<c>&amp;#N;</c>).</summary>
public sealed class EvtxCharRef(ushort codePoint) : EvtxNode
{
    public ushort CodePoint { get; } = codePoint;

    public override string Text => ((char)CodePoint).ToString();
}

/// <summary>An entity reference (<c>&amp;name;</c>); the five XML entities resolve to their character.</summary>
public sealed class EvtxEntityRef(string name) : EvtxNode
{
    public string Name { get; } = name;

    public override string Text => Name switch
    {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "&" + Name + ";",
    };
}

public sealed class EvtxProcessingInstruction(string target, string data) : EvtxNode
{
    public string Target { get; } = target;

    public string Data { get; } = data;

    public override string Text => string.Empty;
}

/// <summary>An element. Immutable: decoded elements without substitutions are shared between records.</summary>
public sealed class EvtxElement : EvtxNode
{
    private readonly EvtxAttribute[] _attributes;
    private readonly EvtxNode[] _children;

    public EvtxElement(string name, IEnumerable<EvtxAttribute>? attributes = null, IEnumerable<EvtxNode>? children = null)
        : this(name, attributes is null ? [] : [.. attributes], children is null ? [] : [.. children])
    {
    }

    internal EvtxElement(string name, EvtxAttribute[] attributes, EvtxNode[] children)
    {
        Name = name;
        _attributes = attributes;
        _children = children;
        // Shape facts computed once here: the renderers ask for them many times per element.
        int height = 0;
        foreach (EvtxNode c in children)
        {
            if (c is EvtxElement e)
            {
                HasElementChild = true;
                height = Math.Max(height, e.Height);
            }
            else
            {
                HasContent |= c switch
                {
                    EvtxText t => !t.Value.IsEmpty,
                    EvtxCData d => d.Value.Length > 0,
                    EvtxCharRef or EvtxEntityRef => true,
                    _ => false,
                };
            }
        }

        foreach (EvtxAttribute a in attributes)
        {
            HasAttributeValue |= !a.Value.IsEmpty;
        }

        Height = height + 1;
    }

    /// <summary>True when some non-element child has content (a non-empty value, CDATA, a reference).</summary>
    internal bool HasContent { get; }

    /// <summary>True when some attribute has a non-empty value.</summary>
    internal bool HasAttributeValue { get; }

    /// <summary>Levels of elements from here down (1 for a leaf); the decoder bounds it so renderers can recurse safely.</summary>
    internal int Height { get; }

    public string Name { get; }

    public IReadOnlyList<EvtxAttribute> Attributes => _attributes;

    public IReadOnlyList<EvtxNode> Children => _children;

    internal EvtxAttribute[] AttributeArray => _attributes;

    internal EvtxNode[] ChildArray => _children;

    public bool HasElementChild { get; }

    /// <summary>The concatenated text of the direct non-element children.</summary>
    public override string Text
    {
        get
        {
            string? single = null;
            StringBuilder? sb = null;
            foreach (EvtxNode c in _children)
            {
                if (c is EvtxElement)
                {
                    continue;
                }

                string t = c.Text;
                if (single is null)
                {
                    single = t;
                }
                else
                {
                    sb ??= new StringBuilder(single);
                    sb.Append(t);
                }
            }

            return sb?.ToString() ?? single ?? string.Empty;
        }
    }

    /// <summary>The first child element named <paramref name="name"/>, or null.</summary>
    public EvtxElement? Element(string name)
    {
        foreach (EvtxNode c in _children)
        {
            if (c is EvtxElement e && e.Name == name)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>Child elements, optionally only those named <paramref name="name"/>.</summary>
    public IEnumerable<EvtxElement> Elements(string? name = null)
    {
        foreach (EvtxNode c in _children)
        {
            if (c is EvtxElement e && (name is null || e.Name == name))
            {
                yield return e;
            }
        }
    }

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public EvtxAttribute? Attribute(string name)
    {
        foreach (EvtxAttribute a in _attributes)
        {
            if (a.Name == name)
            {
                return a;
            }
        }

        return null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{Name}> ({_attributes.Length} attributes, {_children.Length} children)");
}
