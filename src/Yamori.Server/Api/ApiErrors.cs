using Microsoft.AspNetCore.Http;
using Yamori.Cloud;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Response;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>
/// Turns the services' refusals into problem details in one place: access refused → 403 with the
/// reason, an object outside the caller's tenant → 404 (never 403: its existence is not revealed),
/// a bad field → 400 naming it, a duplicate → 409.
/// </summary>
internal sealed class ApiErrors(IChangeRecorder changes) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (AccessDeniedException ex)
        {
            // The identity services audit their own refusals.
            return Problems.Forbidden(ex.Message);
        }
        catch (DetectionAccessException ex)
        {
            return await RefusedAsync(context.HttpContext, ex.Message);
        }
        catch (ResponsePolicyException ex)
        {
            return await RefusedAsync(context.HttpContext, ex.Message);
        }
        catch (ContactAccessDeniedException ex)
        {
            return await RefusedAsync(context.HttpContext, ex.Message);
        }
        catch (ResponseNotFoundException)
        {
            return Problems.NotFound();
        }
        catch (ResponseConflictException ex)
        {
            return Problems.Conflict(ex.Message);
        }
        catch (InvalidIncidentTransitionException ex)
        {
            return Problems.Conflict(ex.Message);
        }
        catch (ConcurrentChangeException ex)
        {
            return Problems.Conflict(ex.Message);
        }
        catch (FilterValidationException ex)
        {
            return TypedResults.Problem(
                detail: ex.Message,
                statusCode: StatusCodes.Status400BadRequest,
                title: "invalid filter",
                extensions: new Dictionary<string, object?> { ["line"] = ex.Line, ["field"] = ex.Field });
        }
        catch (TenantScopeException)
        {
            return Problems.NotFound();
        }
        catch (LoginTakenException ex)
        {
            return Problems.Conflict(ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Problems.Validation(ex.Message);
        }
    }

    /// <summary>Refusals by the services' rules are audited here once (the identity services audit their own too).</summary>
    private async Task<IResult> RefusedAsync(HttpContext http, string reason)
    {
        await changes.RecordRefusalAsync(http, reason, CancellationToken.None);
        return Problems.Forbidden(reason);
    }
}
