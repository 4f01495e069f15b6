using Yamori.Sigma.Events;

namespace Yamori.Sigma.Matching;

/// <summary>
/// What a matcher needs while evaluating one event: the event, and the field names to read,
/// indexed by field slot (the log source's renames already applied).
/// </summary>
internal readonly struct EvalContext(ISigmaEvent evt, string[] names)
{
    public ISigmaEvent Event { get; } = evt;

    public string[] Names { get; } = names;

    public bool TryGet(int slot, out FieldValue value) => Event.TryGetField(Names[slot], out value);
}
