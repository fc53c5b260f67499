namespace NotebookKit.Metrics;

/// <summary>
/// Sorting scores for curves and AUC. Scores become 64-bit keys whose ascending order is the scores' descending
/// order; an LSD radix sort (11-bit digits, passes that would not move anything skipped) orders 10 million keys in
/// a fraction of Array.Sort's time, and it is stable, so ties keep their input order.
/// </summary>
internal static class RadixSort
{
    const int Bits = 11;
    const int Buckets = 1 << Bits;
    const int Passes = (64 + Bits - 1) / Bits;

    /// <summary>Key with ascending order = descending score; -0.0 and 0.0 map to the same key.</summary>
    public static ulong DescendingKey(double score)
    {
        if (score == 0) score = 0; // folds -0.0 into 0.0: they are one threshold
        ulong bits = (ulong)BitConverter.DoubleToInt64Bits(score);
        ulong ascending = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
        return ~ascending;
    }

    public static double ScoreOf(ulong key)
    {
        ulong ascending = ~key;
        ulong bits = (ascending & 0x8000_0000_0000_0000UL) != 0 ? ascending & 0x7FFF_FFFF_FFFF_FFFFUL : ~ascending;
        return BitConverter.Int64BitsToDouble((long)bits);
    }

    /// <summary>
    /// Sorts keys[0..n) ascending, carrying payload (if any) along; returns the arrays holding the result. Large inputs
    /// are split into one chunk per core: each pass counts digits per chunk, then the chunks scatter in parallel into
    /// disjoint slots, which keeps the sort stable.
    /// </summary>
    public static (ulong[] Keys, double[]? Payload) Sort(ulong[] keys, double[]? payload, int start, int n, ulong[] bufferKeys, double[]? bufferPayload)
    {
        if (n < 4096)
        {
            if (payload is null) Array.Sort(keys, start, n);
            else SmallStableSort(keys, payload, start, n);
            return (keys, payload);
        }
        int chunks = n >= 1 << 18 ? Math.Clamp(Environment.ProcessorCount, 1, 8) : 1;
        int chunkSize = (n + chunks - 1) / chunks;
        var counts = new int[chunks * Buckets];
        for (int p = 0; p < Passes; p++)
        {
            int shift = p * Bits;
            Array.Clear(counts);
            var source = keys;
            Run(chunks, c =>
            {
                int lo = start + c * chunkSize, hi = Math.Min(start + n, lo + chunkSize);
                int row = c * Buckets;
                for (int i = lo; i < hi; i++) counts[row + (int)((source[i] >> shift) & (Buckets - 1))]++;
            });
            // A pass where every key has the same digit moves nothing: skip it.
            bool trivial = false;
            for (int b = 0; b < Buckets && !trivial; b++)
            {
                int total = 0;
                for (int c = 0; c < chunks; c++) total += counts[c * Buckets + b];
                trivial = total == n;
            }
            if (trivial) continue;
            int sum = start;
            for (int b = 0; b < Buckets; b++)
                for (int c = 0; c < chunks; c++)
                {
                    int t = counts[c * Buckets + b];
                    counts[c * Buckets + b] = sum;
                    sum += t;
                }
            var targetKeys = bufferKeys;
            var sourcePayload = payload;
            var targetPayload = bufferPayload;
            Run(chunks, c =>
            {
                int lo = start + c * chunkSize, hi = Math.Min(start + n, lo + chunkSize);
                var offsets = counts.AsSpan(c * Buckets, Buckets);
                if (sourcePayload is null)
                {
                    for (int i = lo; i < hi; i++)
                    {
                        ulong k = source[i];
                        targetKeys[offsets[(int)((k >> shift) & (Buckets - 1))]++] = k;
                    }
                }
                else
                {
                    for (int i = lo; i < hi; i++)
                    {
                        ulong k = source[i];
                        int at = offsets[(int)((k >> shift) & (Buckets - 1))]++;
                        targetKeys[at] = k;
                        targetPayload![at] = sourcePayload[i];
                    }
                }
            });
            (keys, bufferKeys) = (bufferKeys, keys);
            if (payload is not null) (payload, bufferPayload) = (bufferPayload!, payload);
        }
        return (keys, payload);
    }

    static void Run(int chunks, Action<int> body)
    {
        if (chunks == 1) body(0);
        else Parallel.For(0, chunks, body);
    }

    static void SmallStableSort(ulong[] keys, double[] payload, int start, int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var k = keys.AsSpan(start, n).ToArray();
        Array.Sort(order, (a, b) => k[a] != k[b] ? k[a].CompareTo(k[b]) : a.CompareTo(b));
        var p = payload.AsSpan(start, n).ToArray();
        for (int i = 0; i < n; i++) { keys[start + i] = k[order[i]]; payload[start + i] = p[order[i]]; }
    }

    // Scratch arrays survive between calls while memory allows (weak references), so repeated metrics on large data
    // (bootstrap, benchmarks) do not pay for fresh pages each time, and an idle notebook does not keep them.
    static readonly WeakReference<ulong[]?> CachedKeys = new(null), CachedBuffer = new(null);

    public static ulong[] Rent(int n, bool buffer)
    {
        var cache = buffer ? CachedBuffer : CachedKeys;
        lock (cache)
        {
            if (cache.TryGetTarget(out var array) && array is not null && array.Length >= n)
            {
                cache.SetTarget(null); // one user at a time
                return array;
            }
        }
        return GC.AllocateUninitializedArray<ulong>(n);
    }

    public static void Return(ulong[] array, bool buffer)
    {
        if (array.Length < 1 << 16) return;
        var cache = buffer ? CachedBuffer : CachedKeys;
        lock (cache) cache.SetTarget(array);
    }
}
