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
            grain.GrainContext.Deactivate(new DeactivationReason(
                DeactivationReasonCode.ApplicationError, "A state write failed; the next call reloads the committed state."));
            throw;
        }
    }
}
