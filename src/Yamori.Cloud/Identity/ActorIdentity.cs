using System.Security.Claims;

namespace Yamori.Cloud.Identity;

/// <summary>
/// The identity an authenticated request carries: the resolved <see cref="Actor"/> itself, not only
/// claims, so that the console's live connection (which sees only the principal) acts as exactly the
/// same actor as the API. It lives in server memory only and is never serialized to a client.
/// </summary>
public sealed class ActorIdentity : ClaimsIdentity
{
    public ActorIdentity(Actor actor, string? sessionToken, string authenticationType)
        : base(
            [
                new Claim(ClaimTypes.NameIdentifier, actor.Id),
                new Claim(ClaimTypes.Name, actor.Name),
                new Claim(ClaimTypes.Role, actor.Role.ToWire()),
            ],
            authenticationType,
            ClaimTypes.Name,
            ClaimTypes.Role)
    {
        Caller = actor;
        SessionToken = sessionToken;
    }

    /// <summary>Who the request acts as, as resolved when it was authenticated.</summary>
    public Actor Caller { get; }

    /// <summary>
    /// The sign-in session behind a browser's identity (null for API tokens), so that a long-lived
    /// console connection can check before each action that the session still stands.
    /// </summary>
    public string? SessionToken { get; }

    public override ClaimsIdentity Clone() => new ActorIdentity(Caller, SessionToken, AuthenticationType!);
}
