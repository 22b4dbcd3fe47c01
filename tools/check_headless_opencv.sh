#!/bin/bash
# Checks that video decoding needs no GUI library: in a private mount namespace (root, util-linux's unshare), every
# library that build/OpenCvSharpHeadless.targets drops from libOpenCvSharpExtern.so's DT_NEEDED is replaced by an
# empty file, as on a machine without GTK, X11, cairo, pango, freetype, harfbuzz, libdrm or libatomic; then
# `deepcoro embed` decodes and encodes the fixture clips. The package's own, unpatched library is loaded the same way
# to show that it fails there. Usage: sudo tools/check_headless_opencv.sh (after a Release build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/cli/DeepCoro.Cli/bin/Release/net10.0"
lib="$bin/runtimes/linux-x64/native/libOpenCvSharpExtern.so"
fixtures="$root/tests/DeepCoro.Tests/Fixtures/video"
gui=$(echo libgtk-3.so.0 libgdk-3.so.0 libpangocairo-1.0.so.0 libpango-1.0.so.0 libatk-1.0.so.0 libcairo-gobject.so.2 \
  libcairo.so.2 libgdk_pixbuf-2.0.so.0 libgio-2.0.so.0 libgobject-2.0.so.0 libglib-2.0.so.0 libX11.so.6 libfreetype.so.6 \
  libharfbuzz.so.0 libdrm.so.2 libatomic.so.1)
echo "== DT_NEEDED of the build output's copy"
readelf -d "$lib" | grep NEEDED
out=$(mktemp -d)
unshare -m bash -euo pipefail -c "
  empty=\$(mktemp)
  for name in $gui; do
    for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
      [ -e \"\$dir/\$name\" ] && mount --bind \"\$empty\" \"\$(readlink -f \"\$dir/\$name\")\"
    done
  done
  echo '== ldd with the GUI libraries emptied'
  ldd '$lib' | grep -E 'not found|gtk|X11|cairo|pango|glib' || echo 'no GUI library needed'
  echo '== deepcoro embed'
  '$bin/deepcoro' embed --encoder '$fixtures/tiny_encoder.pt' --output '$out/embedded' --mean 100 --std 50 \
    '$fixtures/mjpg.avi' '$fixtures/xvid.avi' '$fixtures/h264.mp4'
  echo '== the package as shipped, same namespace'
  cp ~/.nuget/packages/opencvsharp4.official.runtime.linux-x64/*/runtimes/linux-x64/native/libOpenCvSharpExtern.so '$out/unpatched.so'
  python3 -c 'import ctypes, sys
try:
    ctypes.CDLL(sys.argv[1]); print(\"unpatched: loaded\")
except OSError as e:
    print(\"unpatched: fails:\", e)' '$out/unpatched.so'
"
rm -rf "$out"
