using System.Collections.Frozen;
using System.Text.Json;
using Backbone.Grains.Abstractions.Circle;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;

namespace Backbone.Grains.Circle;

/// <summary>
/// The sample city's facilities, loaded from the seed file: the base every map cell starts from (cells
/// store only what was upserted or removed since). Immutable once loaded; every node loads the same file.
/// </summary>
public sealed class FacilitySeed
{
    private readonly FrozenDictionary<string, Facility> _byId;
    private readonly FrozenDictionary<string, Facility[]> _byCell;

    private FacilitySeed(IReadOnlyList<Facility> facilities)
    {
        _byId = facilities.ToFrozenDictionary(f => f.Id, StringComparer.Ordinal);
        _byCell = facilities.GroupBy(f => MapCell.Of(f.Location).Key)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public Facility? Find(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<Facility> InCell(string cellKey) => _byCell.GetValueOrDefault(cellKey) ?? [];

    public static FacilitySeed Empty { get; } = new([]);

    /// <summary>Reads the file and checks every facility by the rules an upsert is checked by.</summary>
    public static FacilitySeed Load(string path, GridSeed grid)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<SeedFile>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidOperationException($"Facility seed {path} is empty.");
        var facilities = new List<Facility>();
        var errors = new List<string>();
        foreach (var entry in file.Facilities)
        {
            var draft = new FacilityDraft(
                entry.Id ?? string.Empty, entry.Name ?? string.Empty, entry.Category ?? string.Empty,
                new GeoPoint(entry.Lat, entry.Lng), entry.Address ?? string.Empty,
                (entry.Hours ?? []).Select(h => new OpeningHoursDraft(h.Days ?? [], h.Opens ?? string.Empty, h.Closes ?? string.Empty)).ToList(),
                entry.AllHours, entry.Capacity);
            var checkedDraft = CircleRules.Validate(draft, grid, "facilities");
            if (checkedDraft.Violations.Count > 0)
            {
                errors.Add($"{entry.Id}: {string.Join(", ", checkedDraft.Violations.Select(v => $"{v.Field} {v.Description}"))}");
                continue;
            }

            facilities.Add(checkedDraft.Facility! with { UpdatedAt = file.AsOf });
        }

        errors.AddRange(facilities.GroupBy(f => f.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key} appears twice"));
        return errors.Count == 0
            ? new FacilitySeed(facilities)
            : throw new InvalidOperationException($"Facility seed {path} is invalid: {string.Join("; ", errors.Take(10))}");
    }

    private sealed class SeedFile
    {
        public DateTimeOffset AsOf { get; set; }

        public List<SeedFacility> Facilities { get; set; } = [];
    }

    private sealed class SeedFacility
    {
        public string? Id { get; set; }
        public string? Name { get; set; }
        public string? Category { get; set; }
        public double Lat { get; set; }
        public double Lng { get; set; }
        public string? Address { get; set; }
        public List<SeedHours>? Hours { get; set; }
        public bool AllHours { get; set; }
        public int Capacity { get; set; }
    }

    private sealed class SeedHours
    {
        public List<int>? Days { get; set; }
        public string? Opens { get; set; }
        public string? Closes { get; set; }
    }
}
