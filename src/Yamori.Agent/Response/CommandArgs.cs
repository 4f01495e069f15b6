using System.Globalization;

namespace Yamori.Agent.Response;

/// <summary>Reads a command's arguments; every refusal names the argument, for the SOC console.</summary>
internal static class CommandArgs
{
    /// <summary>The non-empty value of <paramref name="name"/>, or a rejection naming it.</summary>
    public static bool TryGetRequired(CommandRequest request, string name, out string value, out CommandOutcome? rejection)
    {
        if (request.Args.TryGetValue(name, out string? raw) && !string.IsNullOrWhiteSpace(raw))
        {
            value = raw;
            rejection = null;
            return true;
        }

        value = string.Empty;
        rejection = CommandOutcome.Rejected($"missing argument '{name}'");
        return false;
    }

    /// <summary>A decimal integer argument; absent is fine when <paramref name="required"/> is false.</summary>
    public static bool TryGetInt64(CommandRequest request, string name, bool required, out long? value, out CommandOutcome? rejection)
    {
        value = null;
        rejection = null;
        if (!request.Args.TryGetValue(name, out string? raw) || string.IsNullOrWhiteSpace(raw))
        {
            if (required)
            {
                rejection = CommandOutcome.Rejected($"missing argument '{name}'");
                return false;
            }

            return true;
        }

        if (!long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed))
        {
            rejection = CommandOutcome.Rejected($"argument '{name}' is not a non-negative decimal number: '{Shorten(raw)}'");
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>Keeps an echoed argument short in a message (the cloud's console shows it verbatim).</summary>
    public static string Shorten(string raw) => raw.Length <= 80 ? raw : string.Concat(raw.AsSpan(0, 80), "…");
}
