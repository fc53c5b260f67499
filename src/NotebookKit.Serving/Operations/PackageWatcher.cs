using NotebookKit.Export;

namespace NotebookKit.Serving.Operations;

/// <summary>
/// Hot reload from disk: polls a package folder's file names, sizes and times; when they changed and then held still
/// for one poll, loads the package (checksums verified) and serves it as the new default version. A corrupt or
/// half-written package is refused with one line on stderr while the old model keeps serving.
/// </summary>
public sealed class PackageWatcher : IAsyncDisposable
{
    readonly ModelServer server;
    readonly Func<ServedModel> load;
    readonly string directory;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    readonly SemaphoreSlim gate = new(1, 1);
    string seen;

    /// <summary>Reloads refused so far (corrupt packages).</summary>
    public int Refused { get; private set; }
    public int Reloaded { get; private set; }

    public PackageWatcher(ModelServer server, string directory, Func<ServedModel> load, TimeSpan? interval = null)
    {
        this.server = server; this.directory = directory; this.load = load;
        seen = Stamp();
        var every = interval ?? TimeSpan.FromMilliseconds(250);
        loop = Task.Run(() => Poll(every));
    }

    string Stamp()
    {
        try
        {
            return string.Join("|", new DirectoryInfo(directory).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal)
                .Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
        }
        catch (IOException) { return "missing"; }
    }

    async Task Poll(TimeSpan every)
    {
        using var timer = new PeriodicTimer(every);
        string? pending = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var now = Stamp();
                if (now == seen) { pending = null; continue; }
                if (now != pending) { pending = now; continue; } // still being written: wait one more poll
                seen = now;
                pending = null;
                await ReloadAsync();
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Loads the package now (SIGHUP does this); false when it was refused and the old model still serves.</summary>
    public async Task<bool> ReloadAsync()
    {
        await gate.WaitAsync();
        try
        {
            ServedModel model;
            try { model = load(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Refused++;
                Console.Error.WriteLine($"nbkit-serving: reload of {directory} refused, the old model keeps serving: {e.Message}");
                return false;
            }
            await server.ReloadAsync(model);
            Reloaded++;
            Console.WriteLine($"nbkit-serving: reloaded {model.Name} v{model.Version} from {directory}");
            return true;
        }
        finally { gate.Release(); }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        await loop;
        stop.Dispose();
    }
}
