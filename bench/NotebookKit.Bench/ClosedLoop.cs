using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NotebookKit.Serving.Client;

namespace NotebookKit.Bench;

/// <summary>
/// A closed-loop HTTP/1.1 load that times every request: one thread and one keep-alive connection per caller, each
/// sending the next request when the last response is complete. wrk's latency histogram fails Little's law at one
/// connection on this machine (its mean latency times its request count exceeds the run's length: see wg/wrk#82 and
/// #438), so the bench takes its percentiles from here. The timed loop allocates nothing; a server that closes the
/// connection (HTTP/1.0, gunicorn's sync workers) is reconnected outside the timed interval, as wrk does.
/// </summary>
static class ClosedLoop
{
    public static LoadResult Run(Uri url, string body, int connections, TimeSpan duration)
    {
        var request = Encoding.ASCII.GetBytes($"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n")
            .Concat(Encoding.UTF8.GetBytes(body)).ToArray();
        var endpoint = new IPEndPoint(IPAddress.Parse(url.Host), url.Port);
        var callers = new Caller[connections];
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var threads = Enumerable.Range(0, connections).Select(i =>
        {
            callers[i] = new Caller(endpoint, request);
            var t = new Thread(() => callers[i].Loop(end)) { IsBackground = true, Name = $"closed-loop {i}" };
            t.Start();
            return t;
        }).ToList();
        var clock = Stopwatch.StartNew();
        threads.ForEach(t => t.Join());
        var latencies = callers.SelectMany(c => c.LatenciesMs()).ToArray();
        if (callers.FirstOrDefault(c => c.Error is not null) is { } broken) throw new InvalidOperationException($"{url}: {broken.Error}");
        return new LoadResult(connections, clock.Elapsed.TotalSeconds, latencies, callers.Sum(c => c.Failures));
    }

    sealed class Caller(IPEndPoint endpoint, byte[] request)
    {
        readonly byte[] buffer = new byte[1 << 16];
        long[] ticks = new long[1 << 16];
        int count;
        Socket? socket;
        public int Failures { get; private set; }
        public string? Error { get; private set; }

        public IEnumerable<double> LatenciesMs() => ticks.Take(count).Select(t => t * 1000.0 / Stopwatch.Frequency);

        public void Loop(long end)
        {
            try
            {
                while (Stopwatch.GetTimestamp() < end)
                {
                    socket ??= Connect();
                    long start = Stopwatch.GetTimestamp();
                    socket.Send(request);
                    var (status, keepAlive) = ReadResponse(socket);
                    long elapsed = Stopwatch.GetTimestamp() - start;
                    if (count == ticks.Length) Array.Resize(ref ticks, ticks.Length * 2);
                    ticks[count++] = elapsed;
                    if (status is < 200 or >= 300) Failures++;
                    if (!keepAlive) { socket.Dispose(); socket = null; }
                }
            }
            catch (Exception e) when (e is SocketException or InvalidDataException) { Error = e.Message; }
            finally { socket?.Dispose(); }
        }

        Socket Connect()
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            s.Connect(endpoint);
            return s;
        }

        /// <summary>Reads one response with a Content-Length body; returns its status and whether the connection stays open.</summary>
        (int Status, bool KeepAlive) ReadResponse(Socket s)
        {
            int got = 0, headerEnd = -1;
            while (headerEnd < 0)
            {
                got += Receive(s, got);
                headerEnd = buffer.AsSpan(0, got).IndexOf("\r\n\r\n"u8);
            }
            ReadOnlySpan<byte> head = buffer.AsSpan(0, headerEnd);
            int status = Number(head.Slice(9, 3));
            int length = -1;
            bool keepAlive = head.StartsWith("HTTP/1.1"u8);
            for (var rest = head; rest.Length > 0;)
            {
                int eol = rest.IndexOf("\r\n"u8);
                var line = eol < 0 ? rest : rest[..eol];
                rest = eol < 0 ? default : rest[(eol + 2)..];
                int colon = line.IndexOf((byte)':');
                if (colon < 0) continue;
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8)) length = Number(value);
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) keepAlive = Ascii.EqualsIgnoreCase(value, "keep-alive"u8);
            }
            if (length < 0) throw new InvalidDataException("a response without Content-Length (chunked bodies are not read)");
            int total = headerEnd + 4 + length;
            if (total > buffer.Length) throw new InvalidDataException($"a response of {total} bytes, over the {buffer.Length}-byte buffer");
            while (got < total) got += Receive(s, got);
            return (status, keepAlive);
        }

        static int Number(ReadOnlySpan<byte> digits) =>
            System.Buffers.Text.Utf8Parser.TryParse(digits, out int n, out int used) && used == digits.Length
                ? n : throw new InvalidDataException($"not a number in a response header: '{Encoding.ASCII.GetString(digits)}'");

        int Receive(Socket s, int offset)
        {
            int n = s.Receive(buffer, offset, buffer.Length - offset, SocketFlags.None);
            return n > 0 ? n : throw new InvalidDataException("the server closed the connection mid-response");
        }
    }
}
