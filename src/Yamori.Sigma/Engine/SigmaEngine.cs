using System.Collections.Concurrent;
using System.Globalization;
using Yamori.Sigma.Events;
using Yamori.Sigma.Loading;
using Yamori.Sigma.LogSources;
using Yamori.Sigma.Rules;

namespace Yamori.Sigma.Engine;

/// <summary>
/// The compiled detection engine. Thread-safe: share one engine, and give each thread its own
/// <see cref="MatchSession"/>. An event is only tried against the rules of its log source, and among
/// those only against rules whose required literals the pre-filter found in the event.
/// </summary>
public sealed class SigmaEngine
{
    private const string DeclaredKey = "\0declared";
    private static readonly object ConditionalScope = new();
    private static readonly object UnclassifiedScope = new();

    private readonly RuleSet _rules;
    private readonly LogSourceMap _map;
    private readonly ConcurrentDictionary<GroupKey, RuleGroup> _groups = new();
    private readonly ConcurrentDictionary<LogSourceHint, RuleGroup> _declared = new();
    private readonly string[][] _entryNames;
    private readonly string[] _identityNames;
    private readonly Dictionary<string, ChannelIndex> _channels = new(StringComparer.OrdinalIgnoreCase);

    public SigmaEngine(RuleSet rules, LogSourceMap? map = null)
    {
        _rules = rules;
        _map = map ?? LogSourceMap.Default;
        _identityNames = rules.Fields.Resolve(new Dictionary<string, string>());
        _entryNames = new string[_map.Entries.Count][];
        for (int i = 0; i < _entryNames.Length; i++)
        {
            _entryNames[i] = _map.Entries[i].FieldMappings.Count == 0 ? _identityNames : rules.Fields.Resolve(_map.Entries[i].FieldMappings);
            if (_map.Entries[i].Channel is { } channel && !_channels.ContainsKey(channel))
            {
                _channels[channel] = new ChannelIndex(channel, _map.ForChannel(channel));
            }
        }
    }

    public RuleSet Rules => _rules;

    public LogSourceMap LogSources => _map;

    /// <summary>Scratch state for one thread; reuse it for every event on that thread.</summary>
    public MatchSession CreateSession() => new(this);

    /// <summary>Number of event kinds seen so far, each with its own compiled rule group.</summary>
    public int GroupCount => _groups.Count + _declared.Count;

    internal RuleGroup GroupFor(ISigmaEvent evt)
    {
        LogSourceHint hint = evt.Source;
        if (!hint.IsEmpty)
        {
            return _declared.TryGetValue(hint, out RuleGroup? g) ? g : _declared.GetOrAdd(hint, BuildDeclared);
        }

        if (evt.TryGetField("Channel", out FieldValue ch) && ch.Text is { Length: > 0 } channel)
        {
            if (!_channels.TryGetValue(channel, out ChannelIndex? index))
            {
                return GetGroup(new GroupKey(UnclassifiedScope, 0), []);
            }

            return GetGroup(new GroupKey(index, index.Mask(ReadEventId(evt), evt)), index.Entries);
        }

        IReadOnlyList<LogSourceEntry> conditional = _map.ConditionalEntries;
        ulong condMask = 0;
        for (int i = 0; i < conditional.Count && i < 64; i++)
        {
            if (Accepts(conditional[i], int.MinValue, evt))
            {
                condMask |= 1UL << i;
            }
        }

        return GetGroup(new GroupKey(condMask == 0 ? UnclassifiedScope : ConditionalScope, condMask), conditional);
    }

    private RuleGroup GetGroup(GroupKey key, IReadOnlyList<LogSourceEntry> entries)
    {
        if (_groups.TryGetValue(key, out RuleGroup? group))
        {
            return group;
        }

        // A static lambda with explicit state: a capturing one would allocate a closure on every call.
        return _groups.GetOrAdd(key, static (k, state) => state.Engine.BuildFromEntries(k, state.Entries), (Engine: this, Entries: entries));
    }

    private static int ReadEventId(ISigmaEvent evt)
    {
        if (evt.TryGetField("EventID", out FieldValue id) && id.Text is { } text &&
            int.TryParse(text.AsSpan().Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }

        return int.MinValue;
    }

    internal static bool Accepts(LogSourceEntry entry, int eventId, ISigmaEvent evt)
    {
        if (entry.EventIds.Count > 0)
        {
            bool found = false;
            for (int i = 0; i < entry.EventIds.Count; i++)
            {
                if (entry.EventIds[i] == eventId)
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        (string Field, string[] Values)[] conditions = entry.ConditionList;
        for (int c = 0; c < conditions.Length; c++)
        {
            if (!evt.TryGetField(conditions[c].Field, out FieldValue v) || v.Text is null)
            {
                return false;
            }

            bool ok = false;
            foreach (string accepted in conditions[c].Values)
            {
                if (string.Equals(v.Text, accepted, StringComparison.OrdinalIgnoreCase))
                {
                    ok = true;
                    break;
                }
            }

            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private RuleGroup BuildFromEntries(GroupKey key, IReadOnlyList<LogSourceEntry> entries)
    {
        var matched = new List<LogSourceEntry>();
        for (int i = 0; i < entries.Count && i < 64; i++)
        {
            if ((key.Mask & (1UL << i)) != 0)
            {
                matched.Add(entries[i]);
            }
        }

        var members = new List<GroupMember>();
        foreach (CompiledRule rule in _rules.Compiled)
        {
            SigmaLogSource ls = rule.Rule.LogSource;
            if (ls.Product is null && ls.Category is null && ls.Service is null)
            {
                members.Add(new GroupMember(rule, _identityNames));
                continue;
            }

            foreach (LogSourceEntry e in matched)
            {
                if (e.Provides(ls))
                {
                    members.Add(new GroupMember(rule, _entryNames[e.Index]));
                    break;
                }
            }
        }

        var names = new List<string>(matched.Count);
        foreach (LogSourceEntry e in matched)
        {
            names.Add(e.Name);
        }

        return new RuleGroup(key.Scope + " [" + string.Join(", ", names) + "]", members);
    }

    private RuleGroup BuildDeclared(LogSourceHint hint)
    {
        var members = new List<GroupMember>();
        foreach (CompiledRule rule in _rules.Compiled)
        {
            SigmaLogSource ls = rule.Rule.LogSource;
            if ((ls.Product is null || string.Equals(ls.Product, hint.Product, StringComparison.OrdinalIgnoreCase)) &&
                (ls.Category is null || string.Equals(ls.Category, hint.Category, StringComparison.OrdinalIgnoreCase)) &&
                (ls.Service is null || string.Equals(ls.Service, hint.Service, StringComparison.OrdinalIgnoreCase)))
            {
                members.Add(new GroupMember(rule, _identityNames));
            }
        }

        return new RuleGroup($"{DeclaredKey} {hint}", members);
    }

    /// <summary>A kind of event: its channel (or a sentinel scope) and the map entries it satisfies.</summary>
    private readonly record struct GroupKey(object Scope, ulong Mask);

    /// <summary>
    /// The entries of one channel, pre-indexed by EventID so that classifying an event costs a
    /// dictionary lookup rather than a walk over every entry of the channel.
    /// </summary>
    private sealed class ChannelIndex
    {
        private readonly ulong _anyEvent;
        private readonly Dictionary<int, ulong> _byEventId = [];
        private readonly (int Bit, LogSourceEntry Entry)[] _conditional;

        public ChannelIndex(string channel, IReadOnlyList<LogSourceEntry> entries)
        {
            Name = channel;
            Entries = entries;
            var conditional = new List<(int, LogSourceEntry)>();
            for (int i = 0; i < entries.Count && i < 64; i++)
            {
                LogSourceEntry e = entries[i];
                if (e.Conditions.Count > 0)
                {
                    conditional.Add((i, e));
                }
                else if (e.EventIds.Count == 0)
                {
                    _anyEvent |= 1UL << i;
                }
                else
                {
                    foreach (int id in e.EventIds)
                    {
                        _byEventId[id] = (_byEventId.TryGetValue(id, out ulong m) ? m : 0) | (1UL << i);
                    }
                }
            }

            _conditional = [.. conditional];
        }

        public string Name { get; }

        public IReadOnlyList<LogSourceEntry> Entries { get; }

        public ulong Mask(int eventId, ISigmaEvent evt)
        {
            ulong mask = _anyEvent | (_byEventId.TryGetValue(eventId, out ulong m) ? m : 0);
            foreach ((int bit, LogSourceEntry entry) in _conditional)
            {
                if (Accepts(entry, eventId, evt))
                {
                    mask |= 1UL << bit;
                }
            }

            return mask;
        }

        public override string ToString() => Name;
    }
}
