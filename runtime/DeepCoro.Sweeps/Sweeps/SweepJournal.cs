using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>
    /// The append-only journal of a sweep's trial events (<c>journal.jsonl</c>), the one record of what happened:
    /// Optuna's journal-file storage is the model. Writers append whole lines while holding the sweep lock, opening
    /// the file afresh each time (on NFS an open revalidates the size, so the append lands at the true end) and
    /// closing it before the lock is let go. Readers need no lock: they take whole lines only. A line cut short by a
    /// writer that died mid-append is invisible to readers and cut off by the next writer.
    /// </summary>
    public sealed class SweepJournal
    {
        private long offset;
        private int linesRead;

        public SweepJournal(string path) { Path = path; }

        public string Path { get; }

        /// <summary>
        /// Appends <paramref name="events"/> as whole lines; the caller holds the sweep lock. Returns a note when a
        /// torn last line had to be cut off first, else null.
        /// </summary>
        public string? Append(IReadOnlyList<TrialEvent> events)
        {
            if (events.Count == 0) return null;
            var bytes = Encoding.UTF8.GetBytes(string.Concat(events.Select(e => e.ToJsonLine() + "\n")));
            using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            string? note = null;
            var end = stream.Length;
            if (end > 0 && LastByte(stream, end) != '\n')
            {
                var keep = AfterLastNewline(stream, end);
                stream.SetLength(keep);
                note = $"{Path}: cut off a half-written last event ({end - keep} bytes) left by an agent that died while appending it";
                end = keep;
            }
            stream.Seek(end, SeekOrigin.Begin);
            stream.Write(bytes, 0, bytes.Length);
            // no fsync: a torn or lost tail after a crash is recovered (cut off; the dead agent's trial re-queued),
            // and on NFS the close below sends the data to the server before the lock is let go
            stream.Flush();
            return note;
        }

        /// <summary>Events appended since the last call, whole lines only.</summary>
        public IReadOnlyList<TrialEvent> ReadNew()
        {
            var events = new List<TrialEvent>();
            if (!File.Exists(Path)) return events;
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = stream.Length;
            if (length < offset)
                throw new InvalidDataException($"{Path}: the journal is shorter than what was read of it ({length} < {offset} bytes): it was replaced or edited while agents ran");
            if (length == offset) return events;
            stream.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[length - offset];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = stream.Read(buffer, read, buffer.Length - read);
                if (n == 0) break;
                read += n;
            }
            var complete = read == 0 ? 0 : Array.LastIndexOf(buffer, (byte)'\n', read - 1) + 1;
            if (complete == 0) return events;
            foreach (var line in Encoding.UTF8.GetString(buffer, 0, complete).Split('\n'))
            {
                if (line.Length == 0) continue;
                linesRead++;
                events.Add(TrialEvent.Parse(line, $"{Path}:{linesRead}"));
            }
            offset += complete;
            return events;
        }

        private static int LastByte(Stream stream, long end)
        {
            stream.Seek(end - 1, SeekOrigin.Begin);
            return stream.ReadByte();
        }

        /// <summary>The length up to and including the last newline (0 when there is none).</summary>
        private static long AfterLastNewline(Stream stream, long end)
        {
            var chunk = new byte[4096];
            var at = end;
            while (at > 0)
            {
                var size = (int)Math.Min(chunk.Length, at);
                at -= size;
                stream.Seek(at, SeekOrigin.Begin);
                var n = 0;
                while (n < size) n += stream.Read(chunk, n, size - n);
                var i = Array.LastIndexOf(chunk, (byte)'\n', size - 1);
                if (i >= 0) return at + i + 1;
            }
            return 0;
        }
    }
}
