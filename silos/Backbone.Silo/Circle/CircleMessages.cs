using Backbone.Grains.Circle;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Facility = Backbone.Grains.Abstractions.Circle.Facility;
using OpeningPeriod = Backbone.Grains.Abstractions.Circle.OpeningPeriod;

namespace Backbone.Silo.Circle;

/// <summary>Facilities in their wire form.</summary>
internal static class CircleMessages
{
    public static V1.Facility ToProto(Facility facility) => new()
    {
        FacilityId = facility.Id,
        Name = facility.Name,
        Category = facility.Category,
        Location = new LatLng { Latitude = facility.Location.Latitude, Longitude = facility.Location.Longitude },
        Address = facility.Address,
        OpeningHours = { facility.OpeningHours.Select(ToProto) },
        OpenAllHours = facility.OpenAllHours,
        Capacity = facility.Capacity,
        GridUnitCode = facility.GridCode,
        UpdateTime = Timestamp.FromDateTimeOffset(facility.UpdatedAt),
    };

    private static V1.OpeningPeriod ToProto(OpeningPeriod period) => new()
    {
        Days = { Enumerable.Range(1, 7).Where(day => (period.Days & (1 << (day - 1))) != 0) },
        Opens = CircleRules.FormatMinute(period.Opens),
        Closes = CircleRules.FormatMinute(period.Closes),
    };
}
