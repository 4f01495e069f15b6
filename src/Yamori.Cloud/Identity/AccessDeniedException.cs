namespace Yamori.Cloud.Identity;

/// <summary>
/// The actor may not do this at all (its role lacks the right), as opposed to an object outside its
/// scope, which reads as absent. The API turns this into 403; the reason is safe to show.
/// </summary>
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException()
    {
    }

    public AccessDeniedException(string reason)
        : base(reason)
    {
    }

    public AccessDeniedException(string reason, Exception inner)
        : base(reason, inner)
    {
    }
}
