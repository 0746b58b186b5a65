using System.Security.Cryptography;
using Backbone.Grains.Privacy;
using Backbone.Identity.Keys;

namespace Backbone.Silo.Hosting;

/// <summary>
/// The embedded node's data directory. Holding it means holding an exclusive lock on it: a second
/// process started on the same directory fails at once instead of corrupting the store.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    private readonly FileStream _lock;

    private DataDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    public string Path { get; }

    public string DatabaseFile => System.IO.Path.Combine(Path, "backbone.db");

    public static DataDirectory Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        KeyFile.CreateOwnerOnlyDirectory(fullPath); // the store holds full resident ID numbers
        var lockPath = System.IO.Path.Combine(fullPath, "backbone.lock");
        try
        {
            var lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataDirectory(fullPath, lockFile);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Backbone:DataDirectory '{fullPath}' is in use by another Backbone process; stop it or choose another directory.", e);
        }
    }

    /// <summary>Reads a secret key file, creating it (owner read/write only) with random bytes at first use.</summary>
    public byte[] LoadOrCreateKey(string name) =>
        KeyFile.LoadOrCreate(System.IO.Path.Combine(Path, "keys", name), () => RandomNumberGenerator.GetBytes(KeyedHasher.KeyBytes));

    public void Dispose() => _lock.Dispose();
}
