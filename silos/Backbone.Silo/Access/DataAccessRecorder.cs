using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Cases;
using Backbone.Silo.Security;
using Grpc.Core;

namespace Backbone.Silo.Access;

/// <summary>
/// Logs reads of a citizen's or enterprise's data by anyone but the holder, in the holder's access log,
/// before the data is returned: a read whose entry cannot be stored is refused, so no read goes unlogged.
/// </summary>
public sealed class DataAccessRecorder(IGrainFactory grains, TimeProvider clock)
{
    public const int MinPurposeLength = 2;
    public const int MaxPurposeLength = 200;

    /// <summary>The purpose field's problem for a caller who must state one (apps and staff); none for a holder.</summary>
    public static IReadOnlyList<FieldViolation> ValidatePurpose(string? purpose, bool required)
    {
        var text = CaseRules.Text(purpose);
        if (!required)
        {
            return text.Length <= MaxPurposeLength ? [] : [new FieldViolation("purpose", $"must be at most {MaxPurposeLength} characters")];
        }

        return text.Length is >= MinPurposeLength and <= MaxPurposeLength && !text.Any(char.IsControl)
            ? []
            : [new FieldViolation("purpose", $"is required of apps and staff reading someone's data: why, {MinPurposeLength} to {MaxPurposeLength} characters")];
    }

    public Task Record(Holder holder, Caller caller, ServerCallContext context, string purpose) =>
        grains.GetGrain<IDataAccessLogGrain>(holder.Key).Append(new DataAccess(
            clock.GetUtcNow(), caller.Kind, caller.Subject, caller.ClientId, caller.Unit ?? string.Empty, context.Method.TrimStart('/'), CaseRules.Text(purpose)));
}
