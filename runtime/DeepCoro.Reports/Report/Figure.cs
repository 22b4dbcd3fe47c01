using System.Collections.Generic;
using System.IO;
using DeepCoro.Runtime.IO;
using ScottPlot;

namespace DeepCoro.Runtime.Report
{
    /// <summary>A rendered picture: the file name it is saved under, a caption, and its PNG bytes.</summary>
    public sealed record Figure(string FileName, string Caption, byte[] Png)
    {
        public const int Width = 900, Height = 520;

        public static Figure Of(string fileName, string caption, Plot plot, int width = Width, int height = Height) =>
            new(fileName, caption, plot.GetImageBytes(width, height, ImageFormat.Png));

        public static Figure Of(string fileName, string caption, Multiplot plots, int width, int height) =>
            new(fileName, caption, plots.Render(width, height).GetImageBytes(ImageFormat.Png));

        /// <summary>Writes each figure into <paramref name="directory"/> (atomically); returns the paths.</summary>
        public static IReadOnlyList<string> Save(string directory, IEnumerable<Figure> figures)
        {
            Directory.CreateDirectory(directory);
            var paths = new List<string>();
            foreach (var f in figures)
            {
                var path = Path.Combine(directory, f.FileName);
                AtomicFile.Write(path, stream => stream.Write(f.Png));
                paths.Add(path);
            }
            return paths;
        }
    }
}
