using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Enterprises;

namespace Backbone.Silo.Enterprises;

public static class EnterpriseAccess
{
    /// <summary>The enterprise, when <paramref name="citizenId"/> is its legal representative or an agent; NotFound otherwise (as if it did not exist).</summary>
    public static async Task<EnterpriseSnapshot> Linked(IGrainFactory grains, string creditCode, string citizenId)
    {
        var enterprise = await grains.GetGrain<IEnterpriseGrain>(creditCode).Get();
        return enterprise.IsLinked(citizenId) ? enterprise : throw EnterpriseGrain.NotFound(creditCode);
    }
}
