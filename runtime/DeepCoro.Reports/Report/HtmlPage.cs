using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;

namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// One self-contained HTML page: inline CSS, images inlined as data: URIs, no script and no other file or
    /// network reference (links to other reports are relative file links), so it opens from disk anywhere.
    /// </summary>
    public sealed class HtmlPage
    {
        private readonly StringBuilder body = new();
        private readonly string title;

        public HtmlPage(string title) { this.title = title; }

        public static string Encode(string text) => WebUtility.HtmlEncode(text);

        public HtmlPage Heading(string text, int level = 2)
        {
            body.Append($"<h{level}>{Encode(text)}</h{level}>\n");
            return this;
        }

        public HtmlPage Paragraph(string text, string? css = null)
        {
            body.Append(css is null ? "<p>" : $"<p class=\"{css}\">").Append(Encode(text)).Append("</p>\n");
            return this;
        }

        /// <summary>A table; cells are text, except those given as <see cref="Link"/>;
        /// an empty header is left out.</summary>
        public HtmlPage Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object>> rows)
        {
            body.Append("<table>\n");
            if (header.Any(h => h.Length > 0)) body.Append("<tr>").Append(string.Concat(header.Select(h => $"<th>{Encode(h)}</th>"))).Append("</tr>\n");
            foreach (var row in rows)
                body.Append("<tr>").Append(string.Concat(row.Select(c => c is Link l ? $"<td><a href=\"{Encode(l.Href)}\">{Encode(l.Text)}</a></td>" : $"<td>{Encode(c?.ToString() ?? "")}</td>"))).Append("</tr>\n");
            body.Append("</table>\n");
            return this;
        }

        public HtmlPage Figures(IEnumerable<Figure> figures)
        {
            body.Append("<div class=\"figures\">\n");
            foreach (var f in figures)
            {
                body.Append("<figure><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(f.Png))
                    .Append($"\" alt=\"{Encode(f.Caption)}\"><figcaption>{Encode(f.Caption)}</figcaption></figure>\n");
            }

            body.Append("</div>\n");
            return this;
        }

        public string Render() =>
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
            $"<title>{Encode(title)}</title>\n<style>\n{Style}</style>\n</head>\n<body>\n<h1>{Encode(title)}</h1>\n{body}</body>\n</html>\n";

        private const string Style =
            "body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1900px; }\n" +
            "table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }\n" +
            "th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }\n" +
            "th:first-child, td:first-child { text-align: left; }\n" +
            "th { background: #f0f0f0; }\n" +
            ".figures { display: flex; flex-wrap: wrap; gap: 1em; }\n" +
            "figure { margin: 0; flex: 1 1 560px; max-width: 920px; }\n" +
            "figure img { width: 100%; border: 1px solid #ddd; }\n" +
            "figcaption { font-size: 0.85em; color: #555; max-width: 900px; }\n" +
            ".note { background: #fff7e0; border-left: 4px solid #e0a000; padding: 0.5em 1em; }\n";
    }
}
