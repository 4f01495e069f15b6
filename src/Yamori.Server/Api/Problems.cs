using Microsoft.AspNetCore.Http;

namespace Yamori.Server.Api;

/// <summary>RFC 9457 problem details with a machine-readable <c>reason</c>, in one shape for every area.</summary>
internal static class Problems
{
    public static IResult Validation(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "invalid request");

    public static IResult Refused(string title, string reason, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status403Forbidden, title: title, extensions: new Dictionary<string, object?> { ["reason"] = reason });

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "conflict");

    public static IResult Forbidden(string reason) =>
        TypedResults.Problem(detail: reason, statusCode: StatusCodes.Status403Forbidden, title: "not allowed", extensions: new Dictionary<string, object?> { ["reason"] = reason });

    public static IResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "not found");
}
