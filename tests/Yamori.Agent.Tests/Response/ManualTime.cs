namespace Yamori.Agent.Tests.Response;

/// <summary>A clock the test sets; the dispatcher's only dependency on time is "now".</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
