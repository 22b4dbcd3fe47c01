using System.Collections.Generic;

namespace DeepCoro.Spec.Json
{
    /// <summary>A parsed JSON value that remembers where it stood in its file,
    /// so errors can point at a line.</summary>
    public sealed class JsonValue
    {
        public JsonKind Kind { get; }
        public int Line { get; }
        public int Column { get; }
        public string Text { get; }
        public double Number { get; }
        public bool Bool { get; }
        public IReadOnlyList<JsonValue> Items { get; }
        public IReadOnlyList<KeyValuePair<string, JsonValue>> Members { get; }

        private JsonValue(JsonKind kind, int line, int column, string text = "", double number = 0, bool boolean = false,
            IReadOnlyList<JsonValue>? items = null, IReadOnlyList<KeyValuePair<string, JsonValue>>? members = null)
        {
            Kind = kind; Line = line; Column = column; Text = text; Number = number; Bool = boolean;
            Items = items ?? new JsonValue[0];
            Members = members ?? new KeyValuePair<string, JsonValue>[0];
        }

        public static JsonValue Str(string s, int line, int col) => new JsonValue(JsonKind.String, line, col, text: s);
        public static JsonValue Num(double d, string raw, int line, int col) => new JsonValue(JsonKind.Number, line, col, text: raw, number: d);
        public static JsonValue Boolean(bool b, int line, int col) => new JsonValue(JsonKind.Bool, line, col, boolean: b);
        public static JsonValue Nil(int line, int col) => new JsonValue(JsonKind.Null, line, col);
        public static JsonValue Arr(IReadOnlyList<JsonValue> items, int line, int col) => new JsonValue(JsonKind.Array, line, col, items: items);
        public static JsonValue Obj(IReadOnlyList<KeyValuePair<string, JsonValue>> members, int line, int col) =>
            new JsonValue(JsonKind.Object, line, col, members: members);

        public JsonValue? Get(string key)
        {
            foreach (var m in Members) if (m.Key == key) return m.Value;
            return null;
        }
    }
}
