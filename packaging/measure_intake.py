"""Frame intake without OpenCV: what each candidate costs in import time and frames per second.

    python packaging/measure_intake.py [--frames 120]

Run it in a venv that has the candidates (opencv-python-headless, av, pillow, numpy, segno,
zxing-cpp); a missing one is reported as such. It writes a 1280x720 MJPEG AVI and an H.264 MP4 (with
PyAV) of an animated QR and measures, per candidate: import time in a fresh interpreter, frames
decoded per second (to 8-bit gray, what the QR reader takes), and the same with zxing-cpp reading
every frame. The camera paths are measured on what a camera hands over: a 720p MJPEG frame
(Pillow's JPEG decoder, draft mode) and a 720p YUYV frame (the Y plane with numpy). Figures are
recorded in packaging/README.md ("Shrinking the bundle").
"""

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

W, H = 1280, 720


def import_seconds(module: str, runs: int = 5) -> float | None:
    best = None
    for _ in range(runs):
        code = f"import time;t=time.perf_counter();import {module};print(time.perf_counter()-t)"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode:
            return None
        value = float(done.stdout)
        best = value if best is None else min(best, value)
    return best


def qr_frames(count: int) -> list[np.ndarray]:
    import segno

    frames = []
    for index in range(count):
        code = segno.make(f"UR:BYTES/{index}-{count}/" + "LPAMCHCFATTTCYCLEHGSDPHDHGEHFGHKKKDL" * 4, error="l")
        buffer = io.BytesIO()
        code.save(buffer, kind="png", scale=6, border=4)
        from PIL import Image

        image = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
        frame = np.full((H, W), 255, np.uint8)
        y, x = (H - image.shape[0]) // 2, (W - image.shape[1]) // 2
        frame[y:y + image.shape[0], x:x + image.shape[1]] = image
        frames.append(frame)
    return frames


def rate(frames_iter, read=None) -> tuple[float, int]:
    started, count = time.perf_counter(), 0
    for frame in frames_iter:
        if read is not None:
            read(frame)
        count += 1
    return count / (time.perf_counter() - started), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=120)
    args = parser.parse_args()
    frames = qr_frames(args.frames)
    import zxingcpp

    def read(frame):
        zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode)

    print("import time (best of 5, fresh interpreter):")
    for module in ("cv2", "av", "PIL.Image", "numpy", "zxingcpp"):
        seconds = import_seconds(module)
        print(f"  {module:10} {'not installed' if seconds is None else f'{seconds * 1000:.0f} ms'}")

    work = Path(tempfile.mkdtemp())
    avi, mp4 = work / "qr.avi", work / "qr.mp4"
    try:
        import cv2

        writer = cv2.VideoWriter(str(avi), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H))
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
        writer.release()
    except ImportError:
        cv2 = None
    try:
        import av

        with av.open(str(mp4), "w") as container:
            stream = container.add_stream("libx264", rate=10)
            stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
            for frame in frames:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="gray").reformat(format="yuv420p")))
            container.mux(stream.encode(None))
    except ImportError:
        av = None

    print(f"video files, {args.frames} frames of {W}x{H}, decoded to gray (frames/s; with zxing reading each):")
    for label, path in (("MJPEG AVI", avi), ("H.264 MP4", mp4)):
        if not path.exists():
            continue
        if cv2 is not None:
            def cv2_frames(path=path):
                capture = cv2.VideoCapture(str(path))
                while True:
                    ok, frame = capture.read()
                    if not ok:
                        break
                    yield cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                capture.release()
            print(f"  {label:10} OpenCV  {rate(cv2_frames())[0]:6.0f} /s   {rate(cv2_frames(), read)[0]:5.0f} /s")
        if av is not None:
            def av_frames(path=path):
                with av.open(str(path)) as container:
                    for frame in container.decode(video=0):
                        yield frame.to_ndarray(format="gray")
            print(f"  {label:10} PyAV    {rate(av_frames())[0]:6.0f} /s   {rate(av_frames(), read)[0]:5.0f} /s")

    from PIL import Image

    jpegs = []
    for frame in frames[:30]:
        buffer = io.BytesIO()
        Image.fromarray(frame).convert("RGB").save(buffer, "JPEG", quality=85)
        jpegs.append(buffer.getvalue())

    def pillow_mjpeg():
        for data in jpegs * (args.frames // 30):
            with Image.open(io.BytesIO(data)) as image:
                image.draft("L", image.size)
                yield np.asarray(image.convert("L"))

    yuyv = [np.dstack([frame, np.full_like(frame, 128)]).reshape(H, W * 2).tobytes() for frame in frames[:30]]

    def numpy_yuyv():
        for data in yuyv * (args.frames // 30):
            yield np.frombuffer(data, np.uint8).reshape(H, W, 2)[:, :, 0]

    print("camera frames as a V4L2 device hands them over (frames/s; with zxing):")
    print(f"  MJPEG 720p Pillow {rate(pillow_mjpeg())[0]:6.0f} /s   {rate(pillow_mjpeg(), read)[0]:5.0f} /s")
    print(f"  YUYV  720p numpy  {rate(numpy_yuyv())[0]:6.0f} /s   {rate(numpy_yuyv(), read)[0]:5.0f} /s")


if __name__ == "__main__":
    main()
