namespace Yamori.Cloud.Response;

/// <summary>The response policy refuses the action; <see cref="Exception.Message"/> is the reason to show.</summary>
public sealed class ResponsePolicyException : Exception
{
    public ResponsePolicyException()
    {
    }

    public ResponsePolicyException(string message)
        : base(message)
    {
    }

    public ResponsePolicyException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The command or device does not exist in the caller's scope (the API answers 404).</summary>
public sealed class ResponseNotFoundException : Exception
{
    public ResponseNotFoundException()
    {
    }

    public ResponseNotFoundException(string message)
        : base(message)
    {
    }

    public ResponseNotFoundException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The command is not in a state that allows the action (the API answers 409).</summary>
public sealed class ResponseConflictException : Exception
{
    public ResponseConflictException()
    {
    }

    public ResponseConflictException(string message)
        : base(message)
    {
    }

    public ResponseConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>An uploaded collected file was refused (wrong hash, too large, wrong command); nothing was kept.</summary>
public sealed class CollectedFileRejectedException : Exception
{
    public CollectedFileRejectedException()
    {
    }

    public CollectedFileRejectedException(string message)
        : base(message)
    {
    }

    public CollectedFileRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
