namespace Backbone.Grains.Persistence;

public static class PersistentStateExtensions
{
    /// <summary>
    /// Writes the state; when the write fails the activation is dropped, so the next call reloads what
    /// storage really holds instead of acting on an in-memory state that was never committed.
    /// </summary>
    public static async Task WriteOrForgetAsync<T>(this IPersistentState<T> state, IGrainBase grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            grain.Forget();
            throw;
        }
    }

    /// <summary>
    /// Drops the activation after a failed write its in-memory state already reflects, so the next call reloads
    /// what storage really holds.
    /// </summary>
    public static void Forget(this IGrainBase grain) =>
        grain.GrainContext.Deactivate(new DeactivationReason(
            DeactivationReasonCode.ApplicationError, "A state write failed; the next call reloads the committed state."));
}
