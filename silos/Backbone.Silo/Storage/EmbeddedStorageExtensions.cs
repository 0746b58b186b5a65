using Backbone.Silo.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Backbone.Silo.Storage;

public static class EmbeddedStorageExtensions
{
    /// <summary>Grain state and reminders in <c>&lt;DataDirectory&gt;/backbone.db</c>.</summary>
    public static ISiloBuilder AddEmbeddedStorage(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<SqliteDatabase>();
        silo.Services.AddSingleton<StorageHealthCheck, EmbeddedStorageHealthCheck>();
        silo.Services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (services, name) => new SqliteGrainStorage(
            name,
            services.GetRequiredService<SqliteDatabase>(),
            services.GetRequiredService<Serializer>(),
            services.GetRequiredService<IActivatorProvider>()));
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return silo;
    }
}
