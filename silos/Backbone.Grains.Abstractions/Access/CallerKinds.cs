namespace Backbone.Grains.Abstractions.Access;

/// <summary>Who a token speaks for; the identity provider writes it into tokens as the <c>kind</c> claim.</summary>
public static class CallerKinds
{
    public const string Citizen = "citizen";
    public const string Staff = "staff";

    /// <summary>A partner system acting as itself (client credentials); its subject is its client id.</summary>
    public const string App = "app";
}

public static class StaffRoles
{
    public const string GridWorker = "grid_worker";
    public const string StreetHandler = "street_handler";
    public const string DistrictHandler = "district_handler";
    public const string Dispatcher = "dispatcher";
    public const string CityAdmin = "city_admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        GridWorker, StreetHandler, DistrictHandler, Dispatcher, CityAdmin,
    };
}
