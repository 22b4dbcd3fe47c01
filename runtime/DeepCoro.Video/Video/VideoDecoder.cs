using System;
using System.IO;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace DeepCoro.Runtime.Video
{
    /// <summary>
    /// Decodes a video file as the reference does (utils/video.py, load_video):
    /// OpenCV's FFmpeg backend with 15 s open and read timeouts, every frame read in order,
    /// every <c>stride</c>-th kept (the first always), BGR turned to RGB.
    /// </summary>
    public static class VideoDecoder
    {
        // cv::CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC, which OpenCvSharp's enum does not name
        private const int OpenTimeout = 53, ReadTimeout = 54, TimeoutMs = 15000;

        // OpenCV and FFmpeg would print their own lines for every file they cannot open;
        // the caller reports the file once. FFmpeg's level is read from the native environment,
        // which .NET's SetEnvironmentVariable does not change.
        static VideoDecoder()
        {
            Cv2.SetLogLevel(LogLevel.SILENT);
            if (OperatingSystem.IsLinux()) SetEnv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
        }

        [DllImport("libc.so.6", EntryPoint = "setenv")]
        private static extern int SetEnv(string name, string value, int overwrite);

        public static DecodedVideo Decode(string path, int stride)
        {
            if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be at least 1");
            if (!File.Exists(path)) throw new VideoException($"{path}: video file not found");
            using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG, new[] { OpenTimeout, TimeoutMs, ReadTimeout, TimeoutMs });
            if (!capture.IsOpened()) throw new VideoException($"{path}: cannot be opened as a video (not a format FFmpeg reads, or damaged)");
            using var frame = new Mat();
            using var rgb = new Mat();
            var buffer = new MemoryStream();
            int read = 0, kept = 0, height = 0, width = 0;
            var row = Array.Empty<byte>();
            while (capture.Read(frame) && !frame.Empty())
            {
                if (read++ % stride != 0) continue;
                if (frame.Channels() != 3 || frame.Depth() != MatType.CV_8U)
                    throw new VideoException($"{path}: frame {read - 1} has {frame.Channels()} channels of depth {frame.Depth()}; expected 8-bit BGR");
                if (kept == 0) { height = frame.Rows; width = frame.Cols; row = new byte[width * 3]; }
                else if (frame.Rows != height || frame.Cols != width)
                {
                    throw new VideoException($"{path}: frame {read - 1} is {frame.Cols}x{frame.Rows}, the first was {width}x{height}");
                }

                Cv2.CvtColor(frame, rgb, ColorConversionCodes.BGR2RGB);
                for (var y = 0; y < height; y++)
                {
                    Marshal.Copy(rgb.Ptr(y), row, 0, row.Length);
                    buffer.Write(row, 0, row.Length);
                }
                kept++;
            }
            return new DecodedVideo(buffer.ToArray(), kept, height, width, read);
        }
    }
}
