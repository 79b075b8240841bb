"""QR transport for the application layer: frame sources, QR detection, the scan loop and
QR rendering. Pure UR decoding lives in `decoders.ur`; this package only turns pixels into
texts and texts into a payload text (and back, for `coldsight qr`).

OpenCV and zxing-cpp are imported lazily by the modules that need them, so importing
`app.qr.scan` for text-only scanning loads neither.
"""
