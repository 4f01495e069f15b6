namespace Yamori.Cloud;

/// <summary>Someone else changed the object between this caller's read and write; nothing was changed (the API answers 409).</summary>
public sealed class ConcurrentChangeException : InvalidOperationException
{
    public ConcurrentChangeException()
    {
    }

    public ConcurrentChangeException(string message)
        : base(message)
    {
    }

    public ConcurrentChangeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
