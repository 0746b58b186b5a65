using System.Globalization;
using System.Net;
using System.Text;

namespace Backbone.LoadTests;

/// <summary>
/// One self-contained HTML page (inline SVG, no scripts, nothing fetched): the summary table, and per
/// phase its calls per second and p99 over time and its latency distribution by percentile.
/// </summary>
public static class HtmlReport
{
    private const int Width = 560, Height = 160, Margin = 40;

    public static string Render(string markdownSummary, IReadOnlyList<Phase> phases)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Backbone load run</title>")
            .Append("<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:72em}pre{background:#f6f6f6;padding:1em;overflow:auto}")
            .Append("svg{background:#fff;border:1px solid #ddd;margin:0 1em 1em 0}h2{font-size:16px;margin-top:2em}</style></head><body>")
            .Append("<h1>Backbone load run</h1><pre>").Append(WebUtility.HtmlEncode(markdownSummary)).Append("</pre>");
        foreach (var phase in phases)
        {
            var result = phase.All;
            var seconds = result.Seconds.Take(Math.Max(0, result.Seconds.Count - 1)).ToList(); // the last second is partial
            html.Append("<h2>").Append(WebUtility.HtmlEncode($"{phase.Scenario}: {phase.Name}")).Append("</h2>");
            html.Append(Chart("calls per second", seconds.Select((s, i) => (i + 1.0, (double)s.Latency.TotalCount)).ToList(), "s", "#2b6cb0"));
            html.Append(Chart("p99 latency per second (ms)", seconds.Select((s, i) => (i + 1.0, s.P99Ms)).ToList(), "s", "#c05621"));
            var percentiles = new[] { 0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
            html.Append(Chart("latency (ms) by percentile, from 0 to 99.99 (x: number of nines)",
                [.. percentiles.Select(p => (-Math.Log10(1 - (p / 100.0001)), result.PercentileMs(p)))], "nines", "#2f855a"));
        }

        return html.Append("</body></html>").ToString();
    }

    private static string Chart(string title, IReadOnlyList<(double X, double Y)> points, string xUnit, string colour)
    {
        if (points.Count == 0)
        {
            return string.Empty;
        }

        var (minX, maxX, maxY) = (points.Min(p => p.X), points.Max(p => p.X), Math.Max(points.Max(p => p.Y), 1e-9));
        var spanX = Math.Max(maxX - minX, 1e-9);
        string Px(double x) => (Margin + ((x - minX) / spanX * (Width - (2 * Margin)))).ToString("0.0", CultureInfo.InvariantCulture);
        string Py(double y) => (Height - Margin + 10 - (y / maxY * (Height - Margin - 20))).ToString("0.0", CultureInfo.InvariantCulture);
        var line = string.Join(' ', points.Select(p => $"{Px(p.X)},{Py(p.Y)}"));
        return $"""
            <svg width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" role="img" aria-label="{WebUtility.HtmlEncode(title)}">
            <text x="{Margin}" y="16" font-size="12">{WebUtility.HtmlEncode(title)}</text>
            <line x1="{Margin}" y1="{Height - Margin + 10}" x2="{Width - Margin}" y2="{Height - Margin + 10}" stroke="#999"/>
            <line x1="{Margin}" y1="20" x2="{Margin}" y2="{Height - Margin + 10}" stroke="#999"/>
            <text x="4" y="28" font-size="10">{maxY.ToString("0.#", CultureInfo.InvariantCulture)}</text>
            <text x="{Width - Margin}" y="{Height - 8}" font-size="10">{maxX.ToString("0.#", CultureInfo.InvariantCulture)} {xUnit}</text>
            <polyline fill="none" stroke="{colour}" stroke-width="2" points="{line}"/>
            </svg>
            """;
    }
}
