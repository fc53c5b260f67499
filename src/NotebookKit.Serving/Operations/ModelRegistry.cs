using System.Collections.Concurrent;
using NotebookKit.Monitoring;

namespace NotebookKit.Serving.Operations;

/// <summary>A loaded model version: its batcher, drift monitors and a count of requests using it.</summary>
public sealed class ModelVersion
{
    int leases;
    volatile bool retired;
    readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ServedModel Model { get; }
    public MicroBatcher Batcher { get; }
    public DriftMonitor? Drift { get; }
    /// <summary>Text drift of a text model whose package carries a drift reference, else null.</summary>
    public TextDriftMonitor? TextDrift { get; }
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    internal ModelVersion(ServedModel model, MicroBatcher batcher, DriftMonitor? drift)
    {
        Model = model; Batcher = batcher; Drift = drift;
        if (model.Text is { Reference: { } reference } text) TextDrift = new TextDriftMonitor(reference, text.Encoder.Known);
        if (Drift is { } d) driftCache = new(() => d.RowsSeen, d.Evaluate);
        if (TextDrift is { } t) textCache = new(() => t.TextsSeen, t.Evaluate);
    }

    readonly CachedReport<DriftReport>? driftCache;
    readonly CachedReport<TextDriftReport>? textCache;

    /// <summary>The drift report, shared by /metrics and /drift: recomputed only when new rows arrived, and then at
    /// most once per <paramref name="maxAge"/> (0: always fresh), so scrapers do not each pay a PSI/KS pass.</summary>
    public DriftReport? DriftReport(TimeSpan maxAge) => driftCache?.Get(maxAge);

    /// <summary>The text drift report of a text model, cached as <see cref="DriftReport"/> is (by texts seen and age).</summary>
    public TextDriftReport? TextDriftReport(TimeSpan maxAge) => textCache?.Get(maxAge);

    /// <summary>A monitor's report, recomputed only when its count of inputs seen moved, and then at most once per maxAge.</summary>
    sealed class CachedReport<T>(Func<long> seen, Func<T?> evaluate) where T : class
    {
        readonly object gate = new();
        (long At, long Seen, T? Report)? last;

        public T? Get(TimeSpan maxAge)
        {
            lock (gate)
            {
                long count = seen();
                if (last is { } c && (c.Seen == count || System.Diagnostics.Stopwatch.GetElapsedTime(c.At) < maxAge)) return c.Report;
                var report = evaluate();
                last = (System.Diagnostics.Stopwatch.GetTimestamp(), count, report);
                return report;
            }
        }
    }

    /// <summary>Takes a lease for one request; false when the version is retired (the caller looks again).</summary>
    internal bool TryAcquire()
    {
        Interlocked.Increment(ref leases);
        if (!retired) return true;
        Release();
        return false;
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref leases) == 0 && retired) drained.TrySetResult();
    }

    /// <summary>Stops new leases; completes when in-flight requests have finished, then disposes the batcher and backend.</summary>
    internal async Task RetireAsync()
    {
        retired = true;
        if (Volatile.Read(ref leases) == 0) drained.TrySetResult();
        await drained.Task.ConfigureAwait(false);
        await Batcher.DisposeAsync().ConfigureAwait(false);
        Model.Backend.Dispose();
    }
}

/// <summary>A lease on a model version for the length of one request. Dispose releases it.</summary>
public readonly struct ModelLease(ModelVersion version) : IDisposable
{
    public ModelVersion Version { get; } = version;
    public void Dispose() => Version.Release();
}

/// <summary>
/// The models a server serves, by name and version. <see cref="Load"/> adds a version and makes it the default;
/// with <c>retireOthers</c> (hot reload) older versions stop taking requests at once, and each is disposed only
/// after its in-flight requests finish, so a reload under load drops nothing.
/// </summary>
public sealed class ModelRegistry(ServingOptions options, ServingMetrics metrics) : IAsyncDisposable
{
    sealed class Entry
    {
        public volatile ModelVersion? Current;
        public readonly ConcurrentDictionary<string, ModelVersion> Versions = new(StringComparer.Ordinal);
        public readonly object Gate = new();
    }

    readonly ConcurrentDictionary<string, Entry> models = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, LiveQuality> quality = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => models.Keys.ToArray();

    /// <summary>Loads a model version and makes it the default for its name; retires the others when asked.</summary>
    public async Task Load(ServedModel model, bool retireOthers = true)
    {
        var drift = model.ReferenceRows is { Count: > 0 } reference
            ? new DriftMonitor(model.FeatureNames, reference, options.DriftWindowRows) { PsiThreshold = options.PsiThreshold, KsAlpha = options.KsAlpha, MinRows = options.DriftMinRows }
            : null;
        var batcher = new MicroBatcher(model.Backend, options.BatchBudget, options.MaxBatchRows,
            rows => metrics.BatchRows.WithLabels(model.Name).Observe(rows),
            drift is null ? null : (x, rows) => drift.Add(x, rows), inlineUnder: options.RequestTimeout / 10);
        var version = new ModelVersion(model, batcher, drift);
        var entry = models.GetOrAdd(model.Name, _ => new Entry());
        List<ModelVersion> retiring = [];
        lock (entry.Gate)
        {
            if (entry.Versions.TryGetValue(model.Version, out var same)) retiring.Add(same);
            entry.Versions[model.Version] = version;
            if (retireOthers)
                foreach (var (v, old) in entry.Versions)
                    if (v != model.Version) { retiring.Add(old); entry.Versions.TryRemove(v, out _); }
            entry.Current = version;
        }
        quality.GetOrAdd(model.Name, _ => new LiveQuality(options.QualityWindow, Math.Max(2, model.ClassNames.Count), model.PositiveIndex));
        metrics.ModelLoaded(model, retiring.Select(r => r.Model.Version));
        foreach (var old in retiring) await old.RetireAsync().ConfigureAwait(false);
    }

    /// <summary>Removes one version; in-flight requests on it finish first.</summary>
    public async Task<bool> Unload(string name, string version)
    {
        if (!models.TryGetValue(name, out var entry)) return false;
        ModelVersion? removed;
        lock (entry.Gate)
        {
            if (!entry.Versions.TryRemove(version, out removed)) return false;
            if (entry.Current == removed)
                entry.Current = entry.Versions.Values.OrderByDescending(v => v.LoadedAt).FirstOrDefault();
        }
        metrics.ModelLoaded(null, [version], name);
        await removed.RetireAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Leases the named model (its default version, or <paramref name="version"/>); false when absent.</summary>
    public bool TryLease(string name, string? version, out ModelLease lease)
    {
        lease = default;
        if (!models.TryGetValue(name, out var entry)) return false;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var v = version is null ? entry.Current : entry.Versions.GetValueOrDefault(version);
            if (v is null) return false;
            if (v.TryAcquire()) { lease = new ModelLease(v); return true; }
            Thread.Yield(); // retired between lookup and lease: the registry already points at the new version
        }
        return false;
    }

    public ModelVersion? Current(string name) => models.TryGetValue(name, out var e) ? e.Current : null;
    public IReadOnlyList<ModelVersion> Versions(string name) => models.TryGetValue(name, out var e) ? e.Versions.Values.ToArray() : [];
    public LiveQuality? Quality(string name) => quality.GetValueOrDefault(name);
    public bool Ready => !models.IsEmpty && models.Values.All(e => e.Current is not null);

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in models.Values)
            foreach (var v in entry.Versions.Values) await v.RetireAsync().ConfigureAwait(false);
        models.Clear();
    }
}
