"""Render the hand-drawn SVG icons in resources/icons/ to PNG (and the app icon to ICO).

Run after editing an SVG: `.venv/bin/python scripts/render_icons.py`. The outputs are committed,
so a build never needs QtSvg at packaging time. `--preview FILE` also writes a sheet with every
tray icon in colour and in greyscale, to check the states stay distinguishable without colour.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
TRAY_SIZE = 64
APP_SIZE = 256
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def write_ico(images: list[QImage], target: Path) -> None:
    """A Windows .ico holding PNG-compressed frames (valid since Windows Vista)."""
    import struct

    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    blobs = []
    for image in images:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        blobs.append(bytes(data.data()))
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for image, blob in zip(images, blobs, strict=True):
        side = image.width() if image.width() < 256 else 0
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    target.write_bytes(header + entries + b"".join(blobs))


def preview(svgs: list[Path], target: Path) -> None:
    cell = TRAY_SIZE + 8
    sheet = QImage(cell * len(svgs), cell * 2, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("#dddddd"))
    painter = QPainter(sheet)
    for i, svg in enumerate(svgs):
        image = render(svg, TRAY_SIZE)
        painter.drawImage(i * cell + 4, 4, image)
        grey = image.convertToFormat(QImage.Format.Format_Grayscale8).convertToFormat(
            QImage.Format.Format_ARGB32
        )
        grey.setAlphaChannel(image.convertToFormat(QImage.Format.Format_Alpha8))
        painter.drawImage(i * cell + 4, cell + 4, grey)
    painter.end()
    sheet.save(str(target))


def main() -> int:
    QGuiApplication(sys.argv)
    svgs = sorted(ICONS.glob("*.svg"))
    for svg in svgs:
        size = APP_SIZE if svg.stem == "oeleo-gui" else TRAY_SIZE
        render(svg, size).save(str(svg.with_suffix(".png")))
    app_svg = ICONS / "oeleo-gui.svg"
    write_ico([render(app_svg, s) for s in ICO_SIZES], ICONS / "oeleo-gui.ico")
    if len(sys.argv) > 2 and sys.argv[1] == "--preview":
        preview([s for s in svgs if s.stem.startswith("tray-")], Path(sys.argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
