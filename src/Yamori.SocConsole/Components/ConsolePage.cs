using Microsoft.AspNetCore.Components;
using Yamori.Cloud.Identity;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Session;

namespace Yamori.SocConsole.Components;

/// <summary>
/// The base of every signed-in page: the UI's words, the current actor (re-validated on each call),
/// and the redirect to sign-in when the session has ended.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    protected UiText T { get; set; } = default!;

    [Inject]
    protected ConsoleSession Session { get; set; } = default!;

    [Inject]
    protected NavigationManager Nav { get; set; } = default!;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    /// <summary>The actor as of the last <see cref="RequireActorAsync"/>; null before it or after a redirect.</summary>
    protected Actor? Actor { get; private set; }

    /// <summary>
    /// The current actor, or null after sending the browser to sign-in (session over) or to the
    /// password page (one-time password still in use). Call before every read and every action.
    /// </summary>
    /// <param name="personAction">False when the page refreshes itself (see <see cref="ConsoleSession.ActorAsync"/>).</param>
    protected async Task<Actor?> RequireActorAsync(bool personAction = true)
    {
        Actor = await Session.ActorAsync(personAction);
        if (Actor is null)
        {
            Nav.NavigateTo($"/signin?returnUrl={Uri.EscapeDataString("/" + Nav.ToBaseRelativePath(Nav.Uri))}", forceLoad: true);
            return null;
        }

        if (Actor.MustChangePassword)
        {
            Nav.NavigateTo("/password", forceLoad: true);
            return null;
        }

        return Actor;
    }

    /// <summary>
    /// For a page whose object is missing or outside the user's towns (the two look the same): the
    /// router shows the not-found page, and a first (server) render answers 404, as the API does.
    /// </summary>
    protected void RespondNotFound() => Nav.NotFound();

    /// <summary>True for roles that work incidents and order responses.</summary>
    protected bool CanOperate => Actor?.Role is Role.SocAdmin or Role.SocAnalyst or Role.TownAdmin;
}
