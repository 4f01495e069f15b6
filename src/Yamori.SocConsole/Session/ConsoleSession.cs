using Microsoft.AspNetCore.Components.Authorization;
using Yamori.Cloud.Identity;

namespace Yamori.SocConsole.Session;

/// <summary>
/// The signed-in person behind a console page. A live (Interactive Server) page can stay open for
/// hours, so the actor is re-read from the session store on every call: a signed-out, expired or
/// disabled account, or a changed role, takes effect at the next click, not at the next reload.
/// </summary>
public sealed class ConsoleSession(AuthenticationStateProvider authentication, SignInService signIn, TimeProvider time)
{
    /// <summary>The current actor, or null when the session no longer stands (send them to sign-in).</summary>
    /// <param name="personAction">
    /// False for a page refreshing itself (a timer, a live update): it checks the session without
    /// extending it, so a console left open on an unattended PC still signs out when idle.
    /// </param>
    public async Task<Actor?> ActorAsync(bool personAction = true, CancellationToken cancellationToken = default)
    {
        AuthenticationState state = await authentication.GetAuthenticationStateAsync();

        // Only browser sessions use the console; an API token is for automation.
        if (state.User.Identity is not ActorIdentity { SessionToken: { } token } identity)
        {
            return null;
        }

        return await signIn.ValidateSessionAsync(token, identity.Caller.RemoteAddress, time.GetUtcNow(), personAction, cancellationToken);
    }
}
