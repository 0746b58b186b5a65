using Backbone.Grains.Citizens;
using Backbone.Silo.Hosting;
using Backbone.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Backbone.Tests.Storage;

/// <summary>A real SQLite store in a fresh temp directory, with the Orleans serializer the silo uses.</summary>
public sealed class SqliteStore : IDisposable
{
    private static readonly ServiceProvider Serialization = SiloSerialization();

    private readonly bool _owned;
    private DataDirectory _directory;

    public SqliteStore()
        : this(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "backbone-tests", Guid.NewGuid().ToString("N")), owned: true)
    {
    }

    /// <summary>The store of a stopped node's data directory, left in place when disposed.</summary>
    public SqliteStore(string dataDirectory)
        : this(dataDirectory, owned: false)
    {
    }

    private SqliteStore(string path, bool owned)
    {
        Path = path;
        _owned = owned;
        _directory = DataDirectory.Open(Path);
        Database = new SqliteDatabase(_directory);
    }

    public string Path { get; }

    public static Serializer Serializer => Serialization.GetRequiredService<Serializer>();

    public SqliteDatabase Database { get; private set; }

    public SqliteGrainStorage GrainStorage(string name = "Default") => new(
        name,
        Database,
        Serializer,
        Serialization.GetRequiredService<IActivatorProvider>());

    public SqliteReminderTable ReminderTable() => new(Database);

    /// <summary>Closes the file and opens it again, as a restarted host would (doing <paramref name="whileClosed"/> to the file in between).</summary>
    public void Reopen(Action<string>? whileClosed = null)
    {
        Database.Dispose();
        var file = _directory.DatabaseFile;
        _directory.Dispose();
        whileClosed?.Invoke(file);
        _directory = DataDirectory.Open(Path);
        Database = new SqliteDatabase(_directory);
    }

    public void Dispose()
    {
        Database.Dispose();
        _directory.Dispose();
        if (_owned)
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    private static ServiceProvider SiloSerialization()
    {
        var services = new ServiceCollection().AddSerializer(serializer => serializer.AddAssembly(typeof(CitizenState).Assembly));
        CollectionExpressionCodec.AddTo(services);
        return services.BuildServiceProvider();
    }
}
