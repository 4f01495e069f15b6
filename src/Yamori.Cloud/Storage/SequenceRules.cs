namespace Yamori.Cloud.Storage;

/// <summary>Which batch sequence numbers are acceptable at all.</summary>
public static class SequenceRules
{
    /// <summary>Sequences start at 1 (0 is the empty watermark) and must fit a signed 64-bit column.</summary>
    public static bool IsValid(ulong sequence) => sequence is > 0 and <= long.MaxValue;

    /// <exception cref="ArgumentOutOfRangeException">The sequence is 0 or above <see cref="long.MaxValue"/>.</exception>
    public static void Validate(ulong sequence)
    {
        if (!IsValid(sequence))
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "batch sequence must be between 1 and 2^63-1");
        }
    }
}
