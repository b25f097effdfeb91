"""Running the zerodl command in a test, and what its outputs should look like."""

import csv

from PIL import Image, ImageDraw

from zerodl.cli import main


def run(capsys, *argv):
    """(exit code, stdout, stderr) of `zerodl argv`."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and "error:" in lines[0] and "Traceback" not in err


def draw(path, kind="seven", mode="L"):
    """A hand-drawn-looking 7 (or 0) on a large canvas, dark ink on light paper."""
    ink, paper = (0, 255) if mode == "L" else ((20, 20, 20), (245, 240, 230))
    image = Image.new(mode, (200, 260), paper)
    pen = ImageDraw.Draw(image)
    if kind == "seven":
        pen.line([(50, 40), (150, 40), (80, 220)], fill=ink, width=16)
    else:
        pen.ellipse((50, 30, 150, 230), outline=ink, width=16)
    image.save(path)
    return path


def is_png(path):
    with Image.open(path) as image:
        image.verify()
        return image.format == "PNG"


def read_metrics(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
