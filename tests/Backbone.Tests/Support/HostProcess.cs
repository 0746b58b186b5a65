using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Backbone.Tests.Support;

/// <summary>The real host binary, as `dotnet run` would start it, in its own process: it can be killed or sent SIGTERM.</summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, NodeSettings settings)
    {
        _process = process;
        Settings = settings;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{settings.GrpcPort}");
    }

    public NodeSettings Settings { get; }

    public GrpcChannel Channel { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the host and waits until its gRPC health check answers SERVING.</summary>
    public static async Task<HostProcess> StartAsync(NodeSettings settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Backbone.Silo.dll"));
        foreach (var arg in settings.ToArgs())
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var host = new HostProcess(process, settings);
        process.OutputDataReceived += (_, line) => host.Remember(line.Data);
        process.ErrorDataReceived += (_, line) => host.Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await host.WaitUntilServingAsync();
        return host;
    }

    // The last lines the host wrote, for the message of a failed start.
    private readonly Queue<string> _lastLines = new();

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    public string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    private async Task WaitUntilServingAsync()
    {
        var health = new Health.HealthClient(Channel);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"The host exited with code {(_process.HasExited ? _process.ExitCode : 0)} while starting:\n{LastLines()}");
            try
            {
                var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (answer.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The host did not answer SERVING within 60 seconds:\n{LastLines()}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no goodbye to the cluster.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a node: the host drains and leaves.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public void Dispose()
    {
        Channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
