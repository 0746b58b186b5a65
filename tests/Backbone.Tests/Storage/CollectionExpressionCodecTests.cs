using Backbone.Grains.Abstractions.Cases;
using Orleans.Serialization;

namespace Backbone.Tests.Storage;

/// <summary>
/// A case's summary carries its late units as the list a collection expression makes. Stored exactly as an array
/// is, it reads back on every node, older ones included (they never knew the faster codec).
/// </summary>
public sealed class CollectionExpressionCodecTests
{
    [Theory]
    [InlineData]
    [InlineData("510104001001", "510104001")]
    public void A_list_made_by_a_collection_expression_is_stored_as_the_same_array_and_reads_back(params string[] lateUnits)
    {
        List<string> late = [.. lateUnits];
        var expressed = Summary(Expressed(late));
        Assert.StartsWith("<>z__ReadOnly", expressed.LateUnits.GetType().Name, StringComparison.Ordinal); // what a case makes

        var stored = SqliteStore.Serializer.SerializeToArray(expressed);

        Assert.Equal(SqliteStore.Serializer.SerializeToArray(Summary(late.ToArray())), stored);
        var read = SqliteStore.Serializer.Deserialize<CaseSummary>(stored)!;
        Assert.Equal(lateUnits, read.LateUnits);
        Assert.Equal("环境保护", read.Category);
    }

    private static IReadOnlyList<string> Expressed(List<string> items) => [.. items];

    private static CaseSummary Summary(IReadOnlyList<string> lateUnits) => new(
        CaseState.Dispatched, false, false, false, null, "环境保护", DateTimeOffset.UnixEpoch, lateUnits, DateTimeOffset.UnixEpoch.AddDays(1));
}
