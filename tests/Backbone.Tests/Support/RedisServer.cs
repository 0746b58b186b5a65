using System.Diagnostics;
using System.Net.Sockets;

namespace Backbone.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> process on a free loopback port, with its own temporary directory and the
/// persistence docs/durability.md asks for (append-only file, fsync on every write). It can be killed
/// and started again on the same port and files.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backbone-redis", Guid.NewGuid().ToString("N"));
    private Process? _process;

    public int Port { get; } = FreePorts.Take(1)[0];

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer();
        Directory.CreateDirectory(server._directory);
        await server.RunAsync();
        return server;
    }

    /// <summary>Starts the process again on the same port and files (after <see cref="KillAsync"/>).</summary>
    public async Task RunAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _directory, "--daemonize", "no",
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await AnswersPingAsync())
        {
            Assert.False(_process.HasExited, $"redis-server exited with code {(_process.HasExited ? _process.ExitCode : 0)}.");
            Assert.True(DateTime.UtcNow < deadline, "redis-server did not answer PING within 20 seconds.");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown, no final save; only what the append-only file already holds survives.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // left for the run's temporary directory to take away
        }
    }
}
