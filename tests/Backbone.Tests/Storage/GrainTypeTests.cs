using System.Reflection;
using Backbone.Grains.Cases;

namespace Backbone.Tests.Storage;

/// <summary>
/// Stored grain state and reminders are keyed by each grain's type name (<c>case/…</c>, <c>unitcases/…</c>).
/// Orleans derives that name from the class name unless the class pins it, so renaming a class would leave
/// everything stored under the old name behind, unread: a city's cases, citizens and certificates gone from
/// view. Every grain pins its name, and no pinned name changes.
/// </summary>
public sealed class GrainTypeTests
{
    /// <summary>The names data is stored under. Add a new grain's; never change or drop one.</summary>
    private static readonly string[] Stored =
    [
        "case", "certificate", "certificateholder", "citizen", "citizencases", "citizencaseschunk", "citizenidnumberindex",
        "citizenregistration", "dataaccesslog", "dataaccesslogchunk", "dataaccesslogmonth", "directive", "directiveissue",
        "enterprise", "facility", "gridcaseschunk", "gridunit", "mapcell", "unitcases", "unitdirectives", "unitdirectiveschunk",
        "unitdirectivesindex",
    ];

    [Fact]
    public void Every_grain_pins_the_type_name_its_state_is_stored_under()
    {
        var grains = typeof(CaseGrain).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Grain)) && !t.IsAbstract).ToList();
        var pinned = grains.ToDictionary(t => t, t => t.GetCustomAttribute<GrainTypeAttribute>()?.GetGrainType(null!, t).ToString());

        Assert.Empty(pinned.Where(p => p.Value is null).Select(p => p.Key.Name));
        Assert.Empty(Stored.Except(pinned.Values));
        Assert.Equal(pinned.Count, pinned.Values.Distinct().Count());
    }
}
