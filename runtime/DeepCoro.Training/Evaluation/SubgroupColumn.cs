using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DeepCoro.Runtime.Data;

namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>
    /// One subgroup variable: a manifest column taken as it is (each distinct value a group),
    /// or a numeric column cut at <see cref="Edges"/> e1 &lt; e2 &lt; ... &lt;
    /// ek into [-inf, e1), [e1, e2), ..., [ek, +inf): lower edge included, upper excluded,
    /// so <c>age:50,65,80</c> puts 65 in [65, 80). Studies without a value form the group "missing".
    /// </summary>
    public sealed record SubgroupColumn(string Name, double[]? Edges)
    {
        public const string Missing = "missing";

        /// <summary>
        /// Parses <c>COL[,COL...]</c> where a numeric column is <c>COL:e1,e2,...</c>: a comma-separated item that is
        /// a number continues the edges of the column before it (<c>sex,age:50,65,80,site</c> is three columns).
        /// </summary>
        public static IReadOnlyList<SubgroupColumn> Parse(string text, string flag)
        {
            var columns = new List<(string Name, List<double>? Edges)>();
            foreach (var raw in text.Split(','))
            {
                var item = raw.Trim();
                if (item.Length == 0) throw new ArgumentException($"{flag} {text}: an empty item; expected COL[,COL...], a numeric column as COL:edge,edge,... (e.g. sex,age:50,65,80)");
                if (double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var edge))
                {
                    if (columns.Count == 0 || columns[^1].Edges is null)
                        throw new ArgumentException($"{flag} {text}: '{item}' is a number where a column name was expected; edges follow their column, as age:50,65,80");
                    columns[^1].Edges!.Add(edge);
                    continue;
                }
                var colon = item.IndexOf(':');
                if (colon < 0) { columns.Add((item, null)); continue; }
                var name = item[..colon].Trim();
                var first = item[(colon + 1)..].Trim();
                if (name.Length == 0) throw new ArgumentException($"{flag} {text}: '{item}' has edges but no column name");
                if (!double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) || !double.IsFinite(e))
                    throw new ArgumentException($"{flag} {text}: edge '{first}' of column '{name}' is not a number; expected {name}:edge,edge,... (e.g. age:50,65,80)");
                columns.Add((name, new List<double> { e }));
            }
            foreach (var (name, edges) in columns)
            {
                if (edges is null) continue;
                for (var k = 1; k < edges.Count; k++)
                {
                    if (!(edges[k] > edges[k - 1]))
                        throw new ArgumentException($"{flag} {text}: the edges of '{name}' ({string.Join(", ", edges.Select(F))}) do not increase strictly; give them in increasing order, each once");
                }

                if (edges.Any(v => !double.IsFinite(v))) throw new ArgumentException($"{flag} {text}: the edges of '{name}' must be finite numbers");
            }
            var repeated = columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) throw new ArgumentException($"{flag} {text}: column '{repeated.Key}' is named twice");
            return columns.Select(c => new SubgroupColumn(c.Name, c.Edges?.ToArray())).ToList();
        }

        /// <summary>The group of a study's cell; fails naming the study for a numeric column's non-number.</summary>
        public string GroupOf(string cell, string study)
        {
            if (cell.Length == 0) return Missing;
            if (Edges is null) return cell;
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v))
                throw new DataException($"study '{study}': {Name} = '{cell}' is not a number, but {Name} is cut at edges {string.Join(",", Edges.Select(F))}; give it without edges to group by its values");
            return Bins[Bin(v)];
        }

        /// <summary>The groups in their order: the bins of a numeric column, else none known in advance.</summary>
        public IReadOnlyList<string> Bins => Edges is null ? Array.Empty<string>()
            : Enumerable.Range(0, Edges.Length + 1).Select(BinName).ToArray();

        private int Bin(double v)
        {
            var k = 0;
            while (k < Edges!.Length && v >= Edges[k]) k++;
            return k;
        }

        private string BinName(int k) =>
            k == 0 ? $"< {F(Edges![0])}" : k == Edges!.Length ? $">= {F(Edges[k - 1])}" : $"[{F(Edges[k - 1])}, {F(Edges[k])})";

        private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);

        public override string ToString() => Edges is null ? Name : $"{Name}:{string.Join(",", Edges.Select(F))}";
    }
}
