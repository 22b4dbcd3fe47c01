using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace DeepCoro.Spec.Json
{
    /// <summary>
    /// A small strict JSON parser (RFC 8259) that records line and column of every value. It exists because
    /// the source generator runs on netstandard2.0 without System.Text.Json, and diagnostics need positions.
    /// </summary>
    public sealed class JsonParser
    {
        private readonly string text;
        private int pos, line = 1, col = 1;

        private JsonParser(string text) { this.text = text; }

        public static JsonValue Parse(string text)
        {
            var p = new JsonParser(text);
            p.SkipWhitespace();
            var value = p.ParseValue(0);
            p.SkipWhitespace();
            if (p.pos < text.Length) throw p.Error("unexpected text after the end of the JSON document");
            return value;
        }

        private JsonParseException Error(string message) => new JsonParseException(message, line, col);

        private char Peek => pos < text.Length ? text[pos] : '\0';

        private void Advance()
        {
            if (text[pos] == '\n') { line++; col = 1; }
            else
            {
                col++;
            }

            pos++;
        }

        private void SkipWhitespace()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) Advance();
        }

        private void Expect(char c)
        {
            if (Peek != c) throw Error(pos < text.Length ? $"expected '{c}' but found '{Peek}'" : $"expected '{c}' but the file ended");
            Advance();
        }

        private JsonValue ParseValue(int depth)
        {
            if (depth > 64) throw Error("JSON nested deeper than 64 levels");
            int l = line, c = col;
            switch (Peek)
            {
                case '{': return ParseObject(depth, l, c);
                case '[': return ParseArray(depth, l, c);
                case '"': return JsonValue.Str(ParseString(), l, c);
                case 't': Literal("true"); return JsonValue.Boolean(true, l, c);
                case 'f': Literal("false"); return JsonValue.Boolean(false, l, c);
                case 'n': Literal("null"); return JsonValue.Nil(l, c);
                default:
                    if (Peek == '-' || char.IsDigit(Peek)) return ParseNumber(l, c);
                    throw Error(pos < text.Length ? $"unexpected character '{Peek}'" : "the file ended where a value was expected");
            }
        }

        private void Literal(string word)
        {
            foreach (var ch in word)
            {
                if (Peek != ch) throw Error($"invalid literal, expected '{word}'");
                Advance();
            }
        }

        private JsonValue ParseObject(int depth, int l, int c)
        {
            Expect('{');
            var members = new List<KeyValuePair<string, JsonValue>>();
            var seen = new HashSet<string>();
            SkipWhitespace();
            if (Peek == '}') { Advance(); return JsonValue.Obj(members, l, c); }
            while (true)
            {
                SkipWhitespace();
                if (Peek != '"') throw Error("expected a quoted member name");
                int kl = line, kc = col;
                var key = ParseString();
                if (!seen.Add(key)) throw new JsonParseException($"duplicate member '{key}'", kl, kc);
                SkipWhitespace();
                Expect(':');
                SkipWhitespace();
                members.Add(new KeyValuePair<string, JsonValue>(key, ParseValue(depth + 1)));
                SkipWhitespace();
                if (Peek == ',') { Advance(); continue; }
                Expect('}');
                return JsonValue.Obj(members, l, c);
            }
        }

        private JsonValue ParseArray(int depth, int l, int c)
        {
            Expect('[');
            var items = new List<JsonValue>();
            SkipWhitespace();
            if (Peek == ']') { Advance(); return JsonValue.Arr(items, l, c); }
            while (true)
            {
                SkipWhitespace();
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (Peek == ',') { Advance(); continue; }
                Expect(']');
                return JsonValue.Arr(items, l, c);
            }
        }

        private string ParseString()
        {
            Expect('"');
            var sb = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Error("unterminated string");
                var ch = Peek;
                if (ch == '"') { Advance(); return sb.ToString(); }
                if (ch < ' ') throw Error("control character inside a string");
                Advance();
                if (ch != '\\') { sb.Append(ch); continue; }
                var esc = Peek;
                if (pos >= text.Length) throw Error("unterminated escape");
                Advance();
                switch (esc)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length) throw Error("truncated \\u escape");
                        var hex = text.Substring(pos, 4);
                        if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                            throw Error($"invalid \\u escape '{hex}'");
                        for (var i = 0; i < 4; i++) Advance();
                        sb.Append((char)code);
                        break;
                    default: throw Error($"invalid escape '\\{esc}'");
                }
            }
        }

        private JsonValue ParseNumber(int l, int c)
        {
            var start = pos;
            if (Peek == '-') Advance();
            if (!char.IsDigit(Peek)) throw Error("invalid number");
            while (char.IsDigit(Peek)) Advance();
            if (Peek == '.') { Advance(); if (!char.IsDigit(Peek)) throw Error("invalid number"); while (char.IsDigit(Peek)) Advance(); }
            if (Peek == 'e' || Peek == 'E')
            {
                Advance();
                if (Peek == '+' || Peek == '-') Advance();
                if (!char.IsDigit(Peek)) throw Error("invalid number");
                while (char.IsDigit(Peek)) Advance();
            }
            var raw = text.Substring(start, pos - start);
            return JsonValue.Num(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture), raw, l, c);
        }
    }
}
