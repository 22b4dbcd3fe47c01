using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    /// <summary>Reads a JSONL log as it grows: whole lines only, each once.</summary>
    public sealed class JsonlTail
    {
        private readonly string path;
        private long offset;
        private readonly StringBuilder partial = new StringBuilder();

        public JsonlTail(string path) { this.path = path; }

        public IReadOnlyList<JsonObject> ReadNew()
        {
            var rows = new List<JsonObject>();
            if (!File.Exists(path)) return rows;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < offset) { offset = 0; partial.Clear(); }  // the log was rewritten (a resumed run)
            stream.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - offset];
            var read = stream.Read(buffer, 0, buffer.Length);
            offset += read;
            partial.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = partial.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) return rows;
            partial.Clear().Append(text, end + 1, text.Length - end - 1);
            foreach (var line in text[..end].Split('\n'))
            {
                var l = line.Trim();
                if (l.Length == 0) continue;
                try { if (JsonNode.Parse(l) is JsonObject o) rows.Add(o); }
                catch (JsonException) { /* a line that is not JSON is not a metrics row */ }
            }
            return rows;
        }
    }
}
