"""Draw the example office's logo (identitas/logo.png): an invented emblem, not a real coat of arms.

A blue disc, a white joglo roof (the pendopo of a kalurahan hall) over three green rice terraces.
Run from the repository root: ``.venv/bin/python tools/example_logo.py``. Deterministic: the same
bytes every run (PNG without time stamps).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 1024  # drawn at 2x and reduced to 512 for smooth edges
BLUE = (10, 61, 107, 255)
WHITE = (255, 255, 255, 255)
GREEN = (46, 139, 87, 255)
GOLD = (242, 169, 0, 255)


def draw() -> Image.Image:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((16, 16, SIZE - 16, SIZE - 16), fill=BLUE, outline=GOLD, width=36)
    # joglo roof: a steep top (brunjung) over a wide low roof (penanggap)
    d.polygon([(512, 190), (640, 380), (384, 380)], fill=WHITE)
    d.polygon([(330, 380), (694, 380), (830, 520), (194, 520)], fill=WHITE)
    # the hall's four pillars (saka guru)
    for x in (330, 440, 584, 694):
        d.rectangle((x - 14, 520, x + 14, 640), fill=WHITE)
    # three rice terraces
    for i, y in enumerate((672, 744, 816)):
        inset = 150 + i * 50
        d.rounded_rectangle((inset, y, SIZE - inset, y + 48), radius=24, fill=GREEN)
    return img.resize((512, 512), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    target = Path("identitas/logo.png")
    target.parent.mkdir(exist_ok=True)
    draw().save(target, "PNG", optimize=True)
    print(f"{target}: {target.stat().st_size} bytes")
