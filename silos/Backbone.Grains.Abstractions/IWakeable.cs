namespace Backbone.Grains.Abstractions;

/// <summary>
/// A grain that finishes, when it wakes, what its last saved change set off. It sends itself <see cref="Wake"/>
/// when it leaves memory with that unfinished (Backbone.Grains.Persistence.AfterSave).
/// </summary>
public interface IWakeable : IGrain
{
    /// <summary>Nothing but an activation, which finishes the unfinished work.</summary>
    [Orleans.Concurrency.OneWay]
    Task Wake();
}
