using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>The JSON files a run writes beside its weights (thresholds.json, baseline_hazard.json): an object of
    /// heads, read back with one line naming the file when it is not one.</summary>
    public static class RunJsonFile
    {
        public static JsonObject ReadHeads(string path)
        {
            try
            {
                return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object of heads");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not valid JSON ({e.Message.ReplaceLineEndings(" ")})");
            }
        }
    }
}
