using System.Security.Cryptography;
using Backbone.Grains.Privacy;

namespace Backbone.Silo.Hosting;

/// <summary>
/// The embedded node's data directory. Holding it means holding an exclusive lock on it: a second
/// process started on the same directory fails at once instead of corrupting the store.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;
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
        CreateOwnerOnlyDirectory(fullPath); // the store holds full resident ID numbers
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
    public byte[] LoadOrCreateKey(string name)
    {
        var keys = System.IO.Path.Combine(Path, "keys");
        CreateOwnerOnlyDirectory(keys);
        var file = System.IO.Path.Combine(keys, name);
        if (!File.Exists(file))
        {
            var temp = file + ".new";
            var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = OwnerOnly;
            }

            using (var stream = new FileStream(temp, create))
            {
                stream.Write(RandomNumberGenerator.GetBytes(KeyedHasher.KeyBytes));
            }

            File.Move(temp, file);
        }

        return File.ReadAllBytes(file);
    }

    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }

    public void Dispose() => _lock.Dispose();
}
